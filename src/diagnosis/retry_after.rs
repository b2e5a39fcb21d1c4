//! `Retry-After`: delay-seconds or an HTTP date (RFC 9110), read without a date library.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// Wait this many seconds.
    Seconds { seconds: u64 },
    /// Retry at this moment (seconds since the Unix epoch).
    At { epoch_seconds: i64 },
}

impl RetryAfter {
    /// Seconds to wait from `now_ms` (never negative).
    pub fn wait_seconds(self, now_ms: f64) -> u64 {
        match self {
            RetryAfter::Seconds { seconds } => seconds,
            RetryAfter::At { epoch_seconds } => {
                let now = (now_ms / 1000.0).floor() as i64;
                epoch_seconds.saturating_sub(now).max(0) as u64
            }
        }
    }
}

/// A year's worth of seconds: a longer delay is not a retry hint we can use.
const MAX_SECONDS: u64 = 365 * 24 * 3600;

pub fn parse(value: &str) -> Option<RetryAfter> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.parse::<u64>().ok()?.min(MAX_SECONDS);
        return Some(RetryAfter::Seconds { seconds });
    }
    parse_http_date(value).map(|epoch_seconds| RetryAfter::At { epoch_seconds })
}

/// IMF-fixdate, the form servers must send: "Sun, 06 Nov 1994 08:49:37 GMT".
fn parse_http_date(value: &str) -> Option<i64> {
    let (_, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let year: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    // A day the month does not have ("29 Feb 2023") is no date, not the next month's first.
    let day: u32 = day
        .parse()
        .ok()
        .filter(|d| (1..=days_in_month(year, month)).contains(d))?;
    let hms: Vec<u32> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(h * 3600 + m * 60 + s))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_dates() {
        assert_eq!(parse("120"), Some(RetryAfter::Seconds { seconds: 120 }));
        assert_eq!(parse(" 5 "), Some(RetryAfter::Seconds { seconds: 5 }));
        assert_eq!(
            parse("99999999999"),
            Some(RetryAfter::Seconds {
                seconds: MAX_SECONDS
            })
        );
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(RetryAfter::At {
                epoch_seconds: 784_111_777
            })
        );
        assert_eq!(
            parse("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(RetryAfter::At { epoch_seconds: 0 })
        );
        assert_eq!(
            parse("Thu, 29 Feb 2024 00:00:00 GMT"),
            Some(RetryAfter::At {
                epoch_seconds: 1_709_164_800
            })
        );
        assert_eq!(
            parse("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(RetryAfter::At {
                epoch_seconds: 951_782_400
            })
        );
        assert_eq!(
            parse("Wed, 25 Nov 2026 10:00:00 GMT"),
            Some(RetryAfter::At {
                epoch_seconds: 1_795_600_800
            })
        );
    }

    #[test]
    fn garbage_is_none() {
        for bad in [
            "",
            "-5",
            "5.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
            "1234567890123",
            "Sun, 06 Nov 1994 08:49 GMT",
            // Found by fuzzing: days a month does not have were read as the next month's.
            "Thu, 29 Feb 2023 12:00:00 GMT",
            "Thu, 31 Apr 2026 12:00:00 GMT",
            "Mon, 29 Feb 2100 00:00:00 GMT",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn wait_is_relative_and_never_negative() {
        let at = RetryAfter::At {
            epoch_seconds: 1_000,
        };
        assert_eq!(at.wait_seconds(990_000.0), 10);
        assert_eq!(at.wait_seconds(2_000_000.0), 0);
    }
}
