//! Convergence: several laptops make random changes offline, then sync through a
//! simulated server in random schedules (pages, duplicated pushes, lost acknowledgements,
//! partitions). After a final full sync every laptop's export is byte-identical and every
//! vote recorded anywhere is present exactly once.
//!
//! The server here is a minimal in-memory log with the protocol's rules (idempotent on
//! device id + sequence, gaps refused, pull after a cursor in pages); the real server
//! will use the same store functions.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use tempfile::TempDir;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::contact::ContactInput;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{ChangeRow, Store};
use uuid::Uuid;

/// A tiny deterministic generator, so a failing case replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Default)]
struct Server {
    log: Vec<ChangeRow>,
    last: HashMap<Uuid, i64>,
}

impl Server {
    /// Stores each change once; a gap refuses the rest so the device re-sends.
    fn push(&mut self, rows: &[ChangeRow]) -> i64 {
        let mut acked = 0;
        for row in rows {
            let last = self.last.get(&row.device_id).copied().unwrap_or(0);
            if row.device_seq <= last {
                acked = acked.max(row.device_seq);
                continue;
            }
            if row.device_seq != last + 1 {
                break;
            }
            self.last.insert(row.device_id, row.device_seq);
            self.log.push(row.clone());
            acked = row.device_seq;
        }
        acked
    }

    fn pull(&self, cursor: i64, page: usize) -> (Vec<ChangeRow>, i64) {
        let start = cursor as usize;
        let end = (start + page).min(self.log.len());
        (self.log[start..end].to_vec(), end as i64)
    }
}

fn sync(store: &mut Store, server: &mut Server, rng: &mut Rng, full: bool) {
    // Push, sometimes twice (a retry), sometimes losing the acknowledgement.
    let state = store.sync_state().unwrap();
    let rows = store
        .local_changes_after(state.pushed_seq, 1 + rng.below(8))
        .unwrap();
    let acked = server.push(&rows);
    if rng.below(4) == 0 {
        server.push(&rows);
    }
    if full || rng.below(5) != 0 {
        store.acknowledge_push(acked).unwrap();
    }
    // Pull in pages.
    loop {
        let cursor = store.sync_state().unwrap().pull_cursor;
        let (page, next) = server.pull(cursor, 1 + rng.below(6));
        if page.is_empty() {
            break;
        }
        store.apply_remote(&page, next).unwrap();
        if !full && rng.below(3) == 0 {
            break;
        }
    }
}

fn full_sync(stores: &mut [Store], server: &mut Server, rng: &mut Rng) {
    for _ in 0..3 {
        for s in stores.iter_mut() {
            loop {
                sync(s, server, rng, true);
                if s.sync_state().unwrap().waiting == 0 {
                    break;
                }
            }
        }
    }
}

fn random_op(s: &mut Store, rng: &mut Rng, who: usize, recorded: &mut BTreeSet<Uuid>) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let orgs = s.organisations("", today).unwrap();
    let ballots = s.ballots().unwrap();
    match rng.below(7) {
        0 | 1 if orgs.len() < 12 => {
            let n = rng.next() % 1_000_000;
            let _ = s.add_organisation(&OrganisationInput {
                name: format!("Group {who}-{n}"),
                org_ref: format!("360G-trellis-g{who}-{n}"),
                income_band: "10k-25k".into(),
                ..Default::default()
            });
        }
        2 if !orgs.is_empty() => {
            let o = &orgs[rng.below(orgs.len())];
            let _ = s.update_organisation(
                o.id,
                &OrganisationInput {
                    name: format!("Renamed by {who}"),
                    org_ref: o.org_ref.clone(),
                    postcode: ["EB1 4QT", "EB2 7QT", ""][rng.below(3)].into(),
                    income_band: ["under-10k", "50k-100k"][rng.below(2)].into(),
                    ..Default::default()
                },
            );
        }
        3 if !orgs.is_empty() => {
            let o = &orgs[rng.below(orgs.len())];
            let _ = s.log_contact(
                &ContactInput {
                    organisation_id: o.id.to_string(),
                    date: "2026-11-20".into(),
                    kind: "visit".into(),
                    by: format!("Laptop {who}"),
                    notes: String::new(),
                    follow_up: String::new(),
                },
                today,
            );
        }
        4 if ballots.is_empty() || rng.below(6) == 0 => {
            let id = s
                .create_ballot(BallotFields {
                    question: format!("Topic {}", rng.next() % 1000),
                    options: (1..=3)
                        .map(|i| BallotOption {
                            id: OptionId::new(format!("o{i}")),
                            label: format!("Option {i}"),
                            issue_id: None,
                        })
                        .collect(),
                    method: Method::RankedIrv,
                    eligibility: Eligibility::PerOrganisation,
                    meeting_id: None,
                    opens_at: None,
                    closes_at: None,
                    seed: rng.next(),
                })
                .unwrap();
            s.set_ballot_status(id, BallotStatus::Open).unwrap();
        }
        5 | 6 if !ballots.is_empty() && !orgs.is_empty() => {
            let b = &ballots[rng.below(ballots.len())];
            if rng.below(5) == 0 {
                // Void one of this ballot's counted votes.
                if let Some(v) = s
                    .ballot_votes(b.id)
                    .unwrap()
                    .into_iter()
                    .find(|v| v.void.is_none())
                {
                    let _ = s.void_vote(v.id, "keyed by mistake", &format!("Laptop {who}"));
                }
                return;
            }
            let o = &orgs[rng.below(orgs.len())];
            let ranking = (0..1 + rng.below(3))
                .map(|_| Some(OptionId::new(format!("o{}", 1 + rng.below(3)))))
                .collect();
            if let Ok(id) = s.cast_vote(VoteFields {
                ballot_id: b.id,
                voter: Voter {
                    kind: VoterKind::Organisation,
                    reference: o.id.to_string(),
                },
                vote: Vote::Ranking { ranking },
                channel: Channel::Live,
                recorded_by: format!("Laptop {who}"),
            }) {
                recorded.insert(id);
            }
        }
        _ => {}
    }
}

fn run(seed: u64, devices: usize, steps: usize) {
    let dir = TempDir::new().unwrap();
    let mut rng = Rng(seed);
    let mut stores: Vec<Store> = (0..devices)
        .map(|i| Store::open(&dir.path().join(format!("d{i}.sqlite3"))).unwrap())
        .collect();
    let mut server = Server::default();
    let mut recorded = BTreeSet::new();
    // A partition: some laptops stay offline for the first part of the run.
    let offline_until: Vec<usize> = (0..devices).map(|_| rng.below(steps)).collect();
    for step in 0..steps {
        let d = rng.below(devices);
        if rng.below(3) == 0 && step >= offline_until[d] {
            sync(&mut stores[d], &mut server, &mut rng, false);
        } else {
            random_op(&mut stores[d], &mut rng, d, &mut recorded);
        }
    }
    full_sync(&mut stores, &mut server, &mut rng);
    let exports: Vec<String> = stores.iter().map(|s| s.export_json().unwrap()).collect();
    for (i, e) in exports.iter().enumerate().skip(1) {
        assert!(
            e == &exports[0],
            "seed {seed}: device {i}'s export differs from device 0's"
        );
    }
    let stored: BTreeSet<Uuid> = stores[0]
        .ballots()
        .unwrap()
        .iter()
        .flat_map(|b| stores[0].ballot_votes(b.id).unwrap())
        .map(|v| v.id)
        .collect();
    assert_eq!(stored, recorded, "seed {seed}: votes lost or invented");
    for s in &stores {
        let report = s.doctor().unwrap();
        assert!(report.healthy(), "seed {seed}: {:?}", report.faults);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    #[test]
    fn laptops_converge_whatever_the_sync_schedule(seed in any::<u64>(), devices in 2usize..=4, steps in 20usize..70) {
        run(seed, devices, steps);
    }
}

#[test]
fn a_corrupt_page_is_refused_whole_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    a.add_organisation(&OrganisationInput {
        name: "One".into(),
        org_ref: "GB-CHC-1000001".into(),
        ..Default::default()
    })
    .unwrap();
    a.add_organisation(&OrganisationInput {
        name: "Two".into(),
        org_ref: "GB-CHC-1000002".into(),
        ..Default::default()
    })
    .unwrap();
    let mut rows = a.local_changes_after(0, 10).unwrap();
    let before = b.export_json().unwrap();
    rows[1].payload = serde_json::json!({"id": "not-a-uuid"});
    let err = b.apply_remote(&rows, 2).unwrap_err().to_string();
    assert!(err.contains("organisation.create"), "{err}");
    assert_eq!(
        b.export_json().unwrap(),
        before,
        "nothing from the page was applied"
    );
    assert_eq!(b.sync_state().unwrap().pull_cursor, 0);
    let mut gap = a.local_changes_after(0, 10).unwrap();
    gap.remove(0);
    assert!(b
        .apply_remote(&gap, 2)
        .unwrap_err()
        .to_string()
        .contains("out of order"));
    let good = a.local_changes_after(0, 10).unwrap();
    assert_eq!(b.apply_remote(&good, 2).unwrap().applied, 2);
    assert_eq!(
        b.apply_remote(&good, 2).unwrap().duplicates,
        2,
        "applying twice changes nothing"
    );
    let mut future = a.local_changes_after(0, 10).unwrap();
    future[0].device_id = Uuid::now_v7();
    future[0].device_seq = 1;
    future[0].hlc = trellis_core::hlc::Hlc {
        millis: u64::MAX / 4,
        counter: 0,
    };
    let err = b.apply_remote(&future[..1], 3).unwrap_err().to_string();
    assert!(
        err.contains("ahead"),
        "a clock hours off is told, not trusted: {err}"
    );
}
