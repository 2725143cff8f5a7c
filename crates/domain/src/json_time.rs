//! Dates and instants in JSON as the API's OpenAPI document describes them: a date as
//! `2026-05-01`, an instant as RFC 3339 (`2026-05-01T09:00:00+03:30`). Without these, the
//! `time` crate writes a date as `[2026, 121]` (year and day of the year) and an instant as
//! nine numbers. Reading also takes that older form, which province seeds written by
//! `sandoq demo --province-seed` before the change still hold.
//!
//! ```text
//! #[serde(with = "crate::json_time::date")]
//! pub election_day: Date,
//! #[serde(with = "crate::json_time::instant::option")]
//! pub opened_at: Option<OffsetDateTime>,
//! ```

/// A date as `YYYY-MM-DD`.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Tuple(Date),
    }

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        match Either::deserialize(deserializer)? {
            Either::Text(text) => Date::parse(&text, FORMAT).map_err(serde::de::Error::custom),
            Either::Tuple(date) => Ok(date),
        }
    }

    /// An optional date: `null`, or as [`date`](self).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::Date;

        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] Date);

        pub fn serialize<S: Serializer>(
            date: &Option<Date>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => super::serialize(date, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Date>, D::Error> {
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(date)| date))
        }
    }
}

/// An instant as RFC 3339.
pub mod instant {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Tuple(OffsetDateTime),
    }

    pub fn serialize<S: Serializer>(
        instant: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = instant
            .format(&Rfc3339)
            .map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        match Either::deserialize(deserializer)? {
            Either::Text(text) => {
                OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
            }
            Either::Tuple(instant) => Ok(instant),
        }
    }

    /// An optional instant: `null`, or as [`instant`](self).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] OffsetDateTime);

        pub fn serialize<S: Serializer>(
            instant: &Option<OffsetDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match instant {
                Some(instant) => super::serialize(instant, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(instant)| instant))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use time::macros::{date, datetime};
    use time::{Date, OffsetDateTime};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Times {
        #[serde(with = "super::date")]
        day: Date,
        #[serde(with = "super::date::option")]
        maybe_day: Option<Date>,
        #[serde(with = "super::instant")]
        at: OffsetDateTime,
        #[serde(with = "super::instant::option")]
        maybe_at: Option<OffsetDateTime>,
    }

    #[test]
    fn dates_and_instants_are_iso_text_and_come_back() {
        let times = Times {
            day: date!(2026 - 05 - 01),
            maybe_day: None,
            at: datetime!(2026-05-01 09:00 +03:30),
            maybe_at: Some(datetime!(2026-05-01 20:15:30 +03:30)),
        };
        let json = serde_json::to_value(&times).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "day": "2026-05-01",
                "maybe_day": null,
                "at": "2026-05-01T09:00:00+03:30",
                "maybe_at": "2026-05-01T20:15:30+03:30",
            })
        );
        assert_eq!(serde_json::from_value::<Times>(json).unwrap(), times);
    }

    #[test]
    fn the_older_numeric_form_is_still_read() {
        let json = serde_json::json!({
            "day": [2026, 121],
            "maybe_day": [2026, 122],
            "at": [2026, 121, 14, 30, 0, 0, 3, 30, 0],
            "maybe_at": null,
        });
        let times: Times = serde_json::from_value(json).unwrap();
        assert_eq!(times.day, date!(2026 - 05 - 01));
        assert_eq!(times.maybe_day, Some(date!(2026 - 05 - 02)));
        assert_eq!(times.at, datetime!(2026-05-01 14:30 +03:30));
        assert_eq!(times.maybe_at, None);
    }

    #[test]
    fn text_that_is_not_a_date_is_refused() {
        let json = serde_json::json!({"day": "1405/02/11", "maybe_day": null, "at": "now", "maybe_at": null});
        assert!(serde_json::from_value::<Times>(json).is_err());
    }
}
