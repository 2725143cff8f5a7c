//! The Jalali (Solar Hijri) calendar at the edge: ICU4X's Persian calendar converts, this module
//! formats with Persian digits and parses what officials type (Jalali `1404/10/21` or ISO).

use crate::text::{ascii_digits, persian_digits};
use crate::DomainError;
use icu_calendar::cal::Persian;
use icu_calendar::{Date as IcuDate, Iso};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// Iran's offset: UTC+03:30, with no daylight saving since 2022.
pub const TEHRAN: UtcOffset = match UtcOffset::from_hms(3, 30, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub const MONTHS: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

const WEEKDAYS: [&str; 7] = [
    "دوشنبه",
    "سه‌شنبه",
    "چهارشنبه",
    "پنجشنبه",
    "جمعه",
    "شنبه",
    "یکشنبه",
];

/// A date in the Jalali calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JalaliDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl JalaliDate {
    pub fn from_gregorian(date: Date) -> Result<Self, DomainError> {
        let iso = IcuDate::try_new_iso(date.year(), date.month() as u8, date.day())
            .map_err(|e| DomainError::InvalidDate(format!("{date}: {e:?}")))?;
        let persian = iso.to_calendar(Persian);
        Ok(Self {
            year: persian.year().extended_year(),
            month: persian.month().ordinal,
            day: persian.day_of_month().0,
        })
    }

    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, DomainError> {
        let date = Self { year, month, day };
        date.to_gregorian()?;
        Ok(date)
    }

    pub fn to_gregorian(self) -> Result<Date, DomainError> {
        let bad = || DomainError::InvalidDate(format!("{}/{}/{}", self.year, self.month, self.day));
        let persian =
            IcuDate::try_new_persian(self.year, self.month, self.day).map_err(|_| bad())?;
        let iso: IcuDate<Iso> = persian.to_calendar(Iso);
        let month = Month::try_from(iso.month().ordinal).map_err(|_| bad())?;
        Date::from_calendar_date(iso.year().extended_year(), month, iso.day_of_month().0)
            .map_err(|_| bad())
    }

    /// `۱۴۰۴/۱۰/۲۱`
    pub fn numeric(self) -> String {
        persian_digits(&format!(
            "{:04}/{:02}/{:02}",
            self.year, self.month, self.day
        ))
    }

    /// `۲۱ دی ۱۴۰۴`
    pub fn long(self) -> String {
        let month = MONTHS
            .get(usize::from(self.month.saturating_sub(1)))
            .copied()
            .unwrap_or("");
        persian_digits(&format!("{} {month} {}", self.day, self.year))
    }
}

/// Formats a calendar date as `۱۴۰۴/۱۰/۲۱`; an impossible date falls back to ISO digits.
pub fn jalali_numeric(date: Date) -> String {
    JalaliDate::from_gregorian(date)
        .map_or_else(|_| persian_digits(&date.to_string()), JalaliDate::numeric)
}

/// Formats an instant in Tehran time as `۱۴۰۴/۱۰/۲۱ ۰۸:۰۰`.
pub fn jalali_datetime(at: OffsetDateTime) -> String {
    format!(
        "{} {}",
        jalali_numeric(at.to_offset(TEHRAN).date()),
        tehran_time(at)
    )
}

/// The Tehran time of day of an instant, as `۰۸:۰۵`.
pub fn tehran_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(TEHRAN);
    persian_digits(&format!("{:02}:{:02}", local.hour(), local.minute()))
}

/// The start of the Tehran-time hour that holds `at` (turnout counts by the hour people live
/// in, which starts at half past the UTC hour), in UTC.
pub fn tehran_hour_start(at: OffsetDateTime) -> OffsetDateTime {
    let local = at.to_offset(TEHRAN);
    local
        .replace_time(time::Time::from_hms(local.hour(), 0, 0).unwrap_or(time::Time::MIDNIGHT))
        .to_offset(time::UtcOffset::UTC)
}

/// Formats an instant in Tehran time as `جمعه ۱۱ اردیبهشت ۱۴۰۵، ساعت ۰۸:۰۰`.
pub fn jalali_long_datetime(at: OffsetDateTime) -> String {
    let local = at.to_offset(TEHRAN);
    let weekday = WEEKDAYS[local.weekday().number_days_from_monday() as usize % 7];
    let date = JalaliDate::from_gregorian(local.date())
        .map_or_else(|_| local.date().to_string(), JalaliDate::long);
    format!(
        "{weekday} {date}، ساعت {}",
        persian_digits(&format!("{:02}:{:02}", local.hour(), local.minute()))
    )
}

/// Parses a date typed as Jalali (`1404/10/21`, `۱۴۰۴-۱۰-۲۱`) or ISO (`2026-01-11`). A year
/// below 1700 is read as Jalali.
pub fn parse_date(input: &str) -> Result<Date, DomainError> {
    let bad = || DomainError::InvalidDate(input.trim().to_owned());
    let ascii = ascii_digits(input.trim());
    let parts: Vec<&str> = ascii.split(['/', '-']).collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    let day: u8 = d.parse().map_err(|_| bad())?;
    if year < 1700 {
        JalaliDate { year, month, day }
            .to_gregorian()
            .map_err(|_| bad())
    } else {
        let month = Month::try_from(month).map_err(|_| bad())?;
        Date::from_calendar_date(year, month, day).map_err(|_| bad())
    }
}

/// Parses an instant typed as ISO 8601 (`2026-05-01T08:00:00+03:30`), or as a Jalali or ISO date
/// with an optional Tehran wall-clock time (`1405/02/11 08:30`).
pub fn parse_instant(input: &str) -> Result<OffsetDateTime, DomainError> {
    let bad = || DomainError::InvalidDate(input.trim().to_owned());
    let ascii = ascii_digits(input.trim());
    if let Ok(t) = OffsetDateTime::parse(&ascii, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    let (date_part, time_part) = match ascii.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t)),
        None => (ascii.as_str(), None),
    };
    let date = parse_date(date_part)?;
    let (hour, minute) = match time_part {
        Some(t) => {
            let (h, m) = t.split_once(':').ok_or_else(bad)?;
            (
                h.parse::<u8>().map_err(|_| bad())?,
                m.parse::<u8>().map_err(|_| bad())?,
            )
        }
        None => (0, 0),
    };
    let wall = time::Time::from_hms(hour, minute, 0).map_err(|_| bad())?;
    Ok(date
        .with_time(wall)
        .assume_offset(TEHRAN)
        .to_offset(UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn reference_election_dates() {
        // DESIGN §8: city registration opens 1404/10/21 = 2026-01-11; election day 1405/02/11 = 2026-05-01.
        assert_eq!(
            JalaliDate::from_gregorian(date!(2026 - 01 - 11)).unwrap(),
            JalaliDate {
                year: 1404,
                month: 10,
                day: 21
            }
        );
        assert_eq!(parse_date("1405/02/11").unwrap(), date!(2026 - 05 - 01));
        assert_eq!(parse_date("۱۴۰۴/۱۰/۲۷").unwrap(), date!(2026 - 01 - 17));
        assert_eq!(parse_date("2026-05-01").unwrap(), date!(2026 - 05 - 01));
        assert_eq!(jalali_numeric(date!(2026 - 05 - 01)), "۱۴۰۵/۰۲/۱۱");
        assert_eq!(
            JalaliDate::from_gregorian(date!(2026 - 05 - 01))
                .unwrap()
                .long(),
            "۱۱ اردیبهشت ۱۴۰۵"
        );
    }

    #[test]
    fn nowruz_boundary() {
        assert_eq!(
            JalaliDate::from_gregorian(date!(2026 - 03 - 21)).unwrap(),
            JalaliDate {
                year: 1405,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            JalaliDate::from_gregorian(date!(2026 - 03 - 20)).unwrap(),
            JalaliDate {
                year: 1404,
                month: 12,
                day: 29
            }
        );
    }

    #[test]
    fn bad_dates_are_refused() {
        for bad in [
            "1404/13/01",
            "1404/12/31",
            "2026-02-30",
            "tomorrow",
            "1404/10",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_in_tehran_time() {
        let t = parse_instant("1405/02/11 08:00").unwrap();
        assert_eq!(t, datetime!(2026-05-01 04:30 UTC));
        assert_eq!(jalali_datetime(t), "۱۴۰۵/۰۲/۱۱ ۰۸:۰۰");
        assert_eq!(parse_instant("2026-05-01T08:00:00+03:30").unwrap(), t);
        assert!(jalali_long_datetime(t).starts_with("جمعه ۱۱ اردیبهشت ۱۴۰۵"));
    }

    #[test]
    fn round_trip_a_whole_year() {
        let mut d = date!(2025 - 03 - 01);
        while d < date!(2027 - 03 - 01) {
            let j = JalaliDate::from_gregorian(d).unwrap();
            assert_eq!(j.to_gregorian().unwrap(), d);
            d = d.next_day().unwrap();
        }
    }

    #[test]
    fn tehran_hours_start_at_half_past_utc() {
        use time::macros::datetime;
        assert_eq!(
            tehran_hour_start(datetime!(2026-05-01 04:40 UTC)),
            datetime!(2026-05-01 04:30 UTC)
        );
        assert_eq!(
            tehran_hour_start(datetime!(2026-05-01 04:29:59 UTC)),
            datetime!(2026-05-01 03:30 UTC)
        );
    }
}
