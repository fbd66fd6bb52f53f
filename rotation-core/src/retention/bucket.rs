//! Calendar periods: which second, day, ISO week, quarter, … a civil time falls in.

use jiff::civil::DateTime;

/// A calendar period length that the rules bucket snapshots by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Period {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    /// ISO 8601 week (Monday to Sunday) of the ISO week-year.
    Weekly,
    Monthly,
    /// borg's 13-week quarter: ISO weeks 1–13, 14–26, 27–39 and 40 to the end of the ISO year.
    Quarterly13Weekly,
    /// Calendar quarter: January–March, April–June, July–September, October–December.
    Quarterly3Monthly,
    Yearly,
}

/// Names one period: its year (calendar or ISO week-year) and the fields below it, coarsest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PeriodKey {
    year: i16,
    within_year: [i8; 5],
}

impl Period {
    /// The name borg gives the rule ("daily #3"); restic's reasons use it too ("daily snapshot").
    pub(super) fn name(self) -> &'static str {
        match self {
            Period::Secondly => "secondly",
            Period::Minutely => "minutely",
            Period::Hourly => "hourly",
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::Quarterly13Weekly => "quarterly_13weekly",
            Period::Quarterly3Monthly => "quarterly_3monthly",
            Period::Yearly => "yearly",
        }
    }

    /// The period of this length that contains `time`.
    pub(super) fn key(self, time: DateTime) -> PeriodKey {
        let (month, day, hour, minute) = (time.month(), time.day(), time.hour(), time.minute());
        let iso = time.iso_week_date();
        let (year, within_year) = match self {
            Period::Secondly => (time.year(), [month, day, hour, minute, time.second()]),
            Period::Minutely => (time.year(), [month, day, hour, minute, 0]),
            Period::Hourly => (time.year(), [month, day, hour, 0, 0]),
            Period::Daily => (time.year(), [month, day, 0, 0, 0]),
            Period::Weekly => (iso.year(), [iso.week(), 0, 0, 0, 0]),
            Period::Monthly => (time.year(), [month, 0, 0, 0, 0]),
            Period::Quarterly13Weekly => {
                (iso.year(), [((iso.week() - 1) / 13).min(3) + 1, 0, 0, 0, 0])
            }
            Period::Quarterly3Monthly => (time.year(), [(month - 1) / 3 + 1, 0, 0, 0, 0]),
            Period::Yearly => (time.year(), [0; 5]),
        };
        PeriodKey { year, within_year }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn same(period: Period, a: DateTime, b: DateTime) -> bool {
        period.key(a) == period.key(b)
    }

    #[test]
    fn weeks_follow_the_iso_week_year_across_new_year() {
        let sun_2024_w52 = date(2024, 12, 29).at(12, 0, 0, 0);
        let mon_2025_w01 = date(2024, 12, 30).at(12, 0, 0, 0);
        let wed_2025_w01 = date(2025, 1, 1).at(12, 0, 0, 0);
        assert!(!same(Period::Weekly, sun_2024_w52, mon_2025_w01));
        assert!(same(Period::Weekly, mon_2025_w01, wed_2025_w01));
        assert!(!same(Period::Yearly, mon_2025_w01, wed_2025_w01));
    }

    #[test]
    fn thirteen_week_quarters_use_iso_weeks_and_week_53_joins_the_fourth() {
        // 2020 has 53 ISO weeks; 2020-12-31 is in week 53, 2021-01-03 still in 2020-W53.
        let w40 = date(2020, 9, 28).at(0, 0, 0, 0);
        let w53 = date(2021, 1, 3).at(0, 0, 0, 0);
        let w39 = date(2020, 9, 27).at(0, 0, 0, 0);
        assert!(same(Period::Quarterly13Weekly, w40, w53));
        assert!(!same(Period::Quarterly13Weekly, w39, w40));
        assert!(!same(Period::Quarterly3Monthly, w40, w53));
    }

    #[test]
    fn calendar_quarters_split_at_months_1_4_7_10() {
        let march = date(2023, 3, 31).at(23, 0, 0, 0);
        let april = date(2023, 4, 1).at(0, 0, 0, 0);
        let june = date(2023, 6, 30).at(0, 0, 0, 0);
        assert!(!same(Period::Quarterly3Monthly, march, april));
        assert!(same(Period::Quarterly3Monthly, april, june));
    }

    #[test]
    fn finer_periods_split_at_their_own_unit() {
        let a = date(2023, 5, 1).at(10, 59, 59, 999_999_999);
        let b = date(2023, 5, 1).at(11, 0, 0, 0);
        assert!(!same(Period::Hourly, a, b));
        assert!(same(Period::Daily, a, b));
        assert!(!same(Period::Secondly, a, b));
        assert!(same(
            Period::Secondly,
            b,
            date(2023, 5, 1).at(11, 0, 0, 500)
        ));
        assert!(same(Period::Minutely, b, date(2023, 5, 1).at(11, 0, 59, 0)));
    }
}
