//! The rules of an account's life after `sandoq user add`: how long a password must be, and
//! which accounts may be disabled (issue 15: there was no way to disable an account).

use crate::access::Role;
use crate::DomainError;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password: at least [`MIN_PASSWORD_CHARS`] characters.
pub fn check_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DomainError::InvalidField {
            field: "password",
            reason: format!(
                "گذرواژه باید دست‌کم {} نویسه باشد.",
                crate::text::persian_number(MIN_PASSWORD_CHARS as i64)
            ),
        });
    }
    Ok(())
}

/// Why an account may not be disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    /// Nobody disables their own account from a session: a slip would lock them out at once.
    OwnAccount,
    /// The last enabled province HQ account stays enabled, so that someone can still manage
    /// the accounts from the web (from the command line, `sandoq user add` makes another).
    LastHq,
}

impl AccountRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::OwnAccount => "own_account",
            Self::LastHq => "last_hq_account",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::OwnAccount => "نمی‌توانید حساب کاربری خودتان را غیرفعال کنید.".into(),
            Self::LastHq => "این آخرین حساب فعال ستاد انتخابات استان است و غیرفعال نمی‌شود؛ نخست حساب دیگری برای ستاد بسازید.".into(),
        }
    }
}

/// Whether `by` may disable the account `target` from a session: never their own.
pub fn check_disable(by: &str, target: &str) -> Result<(), AccountRefusal> {
    if by == target {
        Err(AccountRefusal::OwnAccount)
    } else {
        Ok(())
    }
}

/// Whether an account of `role` may be disabled while `other_enabled_hq` other province HQ
/// accounts are enabled: the last one may not.
pub fn check_hq_left(role: Role, other_enabled_hq: u64) -> Result<(), AccountRefusal> {
    if role == Role::ProvinceHq && other_enabled_hq == 0 {
        Err(AccountRefusal::LastHq)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_characters() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        // Characters, not bytes: seven Persian letters are still too few.
        assert!(check_password("گذرواژه").is_err());
        assert_eq!(
            check_password("").unwrap_err().code(),
            "invalid_field",
            "the API's code"
        );
    }

    #[test]
    fn nobody_disables_themselves_or_the_last_hq() {
        assert_eq!(check_disable("hq", "hq"), Err(AccountRefusal::OwnAccount));
        assert_eq!(check_disable("hq", "gov"), Ok(()));
        assert_eq!(
            check_hq_left(Role::ProvinceHq, 0),
            Err(AccountRefusal::LastHq)
        );
        assert_eq!(check_hq_left(Role::ProvinceHq, 1), Ok(()));
        for role in Role::ALL {
            if role != Role::ProvinceHq {
                assert_eq!(check_hq_left(role, 0), Ok(()), "{role:?}");
            }
        }
    }
}
