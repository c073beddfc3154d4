//! Who has been in touch with whom, and who is waiting on a follow-up (principle 1:
//! trusting relationships need frequent contact).

use chrono::NaiveDate;
use serde::Serialize;

/// The dates of one logged contact, all these rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactDates {
    pub date: NaiveDate,
    pub follow_up: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RelationshipStatus {
    pub last_contact: Option<NaiveDate>,
    /// Earliest follow-up date that has passed with no contact since it was promised.
    pub overdue_follow_up: Option<NaiveDate>,
    /// Earliest follow-up still to come.
    pub next_follow_up: Option<NaiveDate>,
}

/// A follow-up promised at a contact is met by any later contact with the organisation
/// (a contact dated after the one that promised it).
pub fn status(contacts: &[ContactDates], today: NaiveDate) -> RelationshipStatus {
    let last_contact = contacts.iter().map(|c| c.date).max();
    let open = contacts.iter().filter_map(|c| {
        let due = c.follow_up?;
        let met = contacts.iter().any(|later| later.date > c.date);
        (!met).then_some(due)
    });
    let (mut overdue, mut next) = (None::<NaiveDate>, None::<NaiveDate>);
    for due in open {
        if due < today {
            overdue = Some(overdue.map_or(due, |o| o.min(due)));
        } else {
            next = Some(next.map_or(due, |n| n.min(due)));
        }
    }
    RelationshipStatus {
        last_contact,
        overdue_follow_up: overdue,
        next_follow_up: next,
    }
}

/// True when nobody has been in touch for at least `days` days, or ever.
pub fn not_contacted_for(last_contact: Option<NaiveDate>, today: NaiveDate, days: u32) -> bool {
    match last_contact {
        None => true,
        Some(last) => (today - last).num_days() >= i64::from(days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn c(date: &str, follow_up: Option<&str>) -> ContactDates {
        ContactDates {
            date: d(date),
            follow_up: follow_up.map(d),
        }
    }

    #[test]
    fn no_contacts_means_nothing_known() {
        assert_eq!(status(&[], d("2026-11-26")), RelationshipStatus::default());
        assert!(not_contacted_for(None, d("2026-11-26"), 30));
    }

    #[test]
    fn a_passed_follow_up_with_no_later_contact_is_overdue() {
        let s = status(&[c("2026-10-01", Some("2026-10-15"))], d("2026-11-26"));
        assert_eq!(s.last_contact, Some(d("2026-10-01")));
        assert_eq!(s.overdue_follow_up, Some(d("2026-10-15")));
        assert_eq!(s.next_follow_up, None);
    }

    #[test]
    fn a_later_contact_meets_the_follow_up_even_if_late() {
        let s = status(
            &[c("2026-10-01", Some("2026-10-15")), c("2026-11-01", None)],
            d("2026-11-26"),
        );
        assert_eq!(s.overdue_follow_up, None);
        assert_eq!(s.last_contact, Some(d("2026-11-01")));
    }

    #[test]
    fn a_future_follow_up_is_next_not_overdue() {
        let s = status(
            &[
                c("2026-11-20", Some("2026-12-01")),
                c("2026-11-01", Some("2026-11-10")),
            ],
            d("2026-11-26"),
        );
        assert_eq!(s.next_follow_up, Some(d("2026-12-01")));
        assert_eq!(s.overdue_follow_up, None, "met by the 20 November visit");
    }

    #[test]
    fn the_due_date_itself_is_not_yet_overdue() {
        let s = status(&[c("2026-11-01", Some("2026-11-26"))], d("2026-11-26"));
        assert_eq!(s.overdue_follow_up, None);
        assert_eq!(s.next_follow_up, Some(d("2026-11-26")));
    }

    #[test]
    fn not_contacted_counts_whole_days() {
        let today = d("2026-11-26");
        assert!(!not_contacted_for(Some(d("2026-10-28")), today, 30));
        assert!(not_contacted_for(Some(d("2026-10-27")), today, 30));
        assert!(!not_contacted_for(Some(today), today, 1));
        assert!(not_contacted_for(Some(today), today, 0));
    }
}
