//! A station's box annulled (issue 18 §5): the county's supervision board, deciding a complaint
//! or on its own finding, annuls a station's box with a reason; the station leaves every
//! council's totals with its reason shown, and the councils no longer wait for it. A mistaken
//! annulment is lifted, with its own reason. Both are audited.

/// The longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// Why an annulment, or its lifting, is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnulmentRefusal {
    /// The reason is empty or longer than [`MAX_REASON_CHARS`].
    ReasonLength,
    /// The station's box is annulled already.
    AlreadyAnnulled,
    /// The station's box is not annulled: there is nothing to lift.
    NotAnnulled,
}

impl AnnulmentRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::ReasonLength => "annulment_reason_length",
            Self::AlreadyAnnulled => "station_already_annulled",
            Self::NotAnnulled => "station_not_annulled",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::ReasonLength => format!(
                "دلیل باید نوشته شود و بیش از {} نویسه نباشد.",
                crate::text::persian_number(MAX_REASON_CHARS as i64)
            ),
            Self::AlreadyAnnulled => "صندوق این شعبه پیش‌تر ابطال شده است.".into(),
            Self::NotAnnulled => "صندوق این شعبه ابطال نشده است.".into(),
        }
    }

    pub fn is_invalid_input(self) -> bool {
        self == Self::ReasonLength
    }
}

/// A reason as kept: trimmed, one normalised line, not empty, not too long.
pub fn check_reason(reason: &str) -> Result<String, AnnulmentRefusal> {
    let reason = crate::text::normalize_name(reason.trim());
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AnnulmentRefusal::ReasonLength);
    }
    Ok(reason)
}

/// Decides an annulment (`annul`) or its lifting, given whether the box is annulled now.
pub fn check(annul: bool, annulled_now: bool, reason: &str) -> Result<String, AnnulmentRefusal> {
    let reason = check_reason(reason)?;
    match (annul, annulled_now) {
        (true, true) => Err(AnnulmentRefusal::AlreadyAnnulled),
        (false, false) => Err(AnnulmentRefusal::NotAnnulled),
        _ => Ok(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_annulment_needs_a_reason_and_is_made_and_lifted_once() {
        assert_eq!(
            check(true, false, " رأی‌سازی  ثابت شد "),
            Ok("رأی‌سازی ثابت شد".into())
        );
        assert_eq!(
            check(true, false, "  "),
            Err(AnnulmentRefusal::ReasonLength)
        );
        assert_eq!(
            check(true, false, &"x".repeat(MAX_REASON_CHARS + 1)),
            Err(AnnulmentRefusal::ReasonLength)
        );
        assert_eq!(
            check(true, true, "دوباره"),
            Err(AnnulmentRefusal::AlreadyAnnulled)
        );
        assert_eq!(
            check(false, false, "خطا"),
            Err(AnnulmentRefusal::NotAnnulled)
        );
        assert_eq!(check(false, true, "شکایت رد شد"), Ok("شکایت رد شد".into()));
    }
}
