//! Paper ballots imported from a CSV file, all or nothing.
//!
//! [`parse`] reads the whole file and either returns every vote in it or every bad row, each
//! named by its line number. Nothing is half-imported: one bad row means no votes.
//!
//! The file is CSV as RFC 4180 describes it: commas between cells; a cell may be wrapped in
//! double quotes, and then may hold commas, line breaks and doubled quotes (`""` for one
//! `"`). Lines may end in CRLF or LF. A UTF-8 byte order mark at the start is ignored. Blank
//! lines, and rows whose cells are all empty (spreadsheets add these), are skipped. A line
//! number is the line on which the row starts, counting from 1 and counting the header.
//!
//! The columns depend on the ballot's method:
//!
//! | method | columns | notes |
//! |---|---|---|
//! | ranked (IRV, Borda) | `voter,choice_1,choice_2,…` | an empty choice is a blank ranking |
//! | approval | `voter,choices` | choices separated by `;`; empty approves none |
//! | plurality | `voter,choice` | |
//! | dots | `voter,option,dots` | several rows per voter are added into one vote |
//! | score | `voter,option,score` | several rows per voter make one vote |
//!
//! A header row is optional: a first row whose first cell is `voter` (any case) is a header.
//! An option is named by its id, its label (any case) or its number on the ballot, counting
//! from 1 (see [`BallotFields::find_option`]). In the fixed-width formats, empty cells after
//! the expected columns are ignored (spreadsheets pad rows); anything else there is an error.
//! In a ranked file with a header, a row may not have more non-empty cells than the header
//! has columns.
//!
//! The voter cell is returned as written (trimmed); the store turns it into an organisation,
//! attendee or token. Voters are compared ignoring case: the same voter on two rows of a
//! ranked, approval or plurality file is an error naming both lines.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::record::BallotFields;
use super::{DotsOn, Method, OptionId, ScoreFor, Vote, VoteError};

/// One vote read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedVote {
    /// The line the vote starts on (for dots and score, the voter's first row).
    pub line: usize,
    /// The voter cell as written, trimmed.
    pub voter: String,
    pub vote: Vote,
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Line number, counting from 1; 0 for a problem with the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// Every bad row in a file, in line order. When there are any, nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportErrors {
    pub rows: Vec<RowError>,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

/// A CSV record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvRow {
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a cell.
    Start,
    /// Inside a cell that did not start with a quote.
    Unquoted,
    /// Inside a quoted cell.
    Quoted,
    /// After the closing quote of a quoted cell.
    AfterQuote,
}

struct CsvReader {
    rows: Vec<CsvRow>,
    errors: Vec<RowError>,
    row: Vec<String>,
    cell: String,
    /// Something (even an empty quoted cell or a comma) is on the current row.
    started: bool,
    row_error: Option<String>,
    row_line: usize,
}

impl CsvReader {
    fn end_cell(&mut self) {
        self.row.push(std::mem::take(&mut self.cell));
    }

    fn end_row(&mut self) {
        if self.started {
            self.end_cell();
            let cells = std::mem::take(&mut self.row);
            match self.row_error.take() {
                Some(message) => self.errors.push(RowError {
                    line: self.row_line,
                    message,
                }),
                None => self.rows.push(CsvRow {
                    line: self.row_line,
                    cells,
                }),
            }
        }
        self.row.clear();
        self.cell.clear();
        self.started = false;
        self.row_error = None;
    }
}

/// Splits RFC 4180 CSV into records, each with the line it starts on. Quoted cells may hold
/// commas, line breaks and doubled quotes. A quote inside an unquoted cell is kept as a
/// character. Text (other than spaces) between a closing quote and the next comma is a row
/// error. An unquoted quote that is never closed is an error on the line where the cell began,
/// and ends the file. Blank lines are not returned.
pub(crate) fn parse_csv(text: &str) -> (Vec<CsvRow>, Vec<RowError>) {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut r = CsvReader {
        rows: Vec::new(),
        errors: Vec::new(),
        row: Vec::new(),
        cell: String::new(),
        started: false,
        row_error: None,
        row_line: 1,
    };
    let mut line = 1usize;
    let mut quote_line = 1usize;
    let mut state = State::Start;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let newline = c == '\n' || c == '\r';
        if newline && c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
        }
        match state {
            State::Quoted => match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    r.cell.push('"');
                }
                '"' => state = State::AfterQuote,
                _ if newline => {
                    line += 1;
                    r.cell.push('\n');
                }
                _ => r.cell.push(c),
            },
            _ if newline => {
                r.end_row();
                state = State::Start;
                line += 1;
                r.row_line = line;
            }
            _ if c == ',' => {
                r.started = true;
                r.end_cell();
                state = State::Start;
            }
            State::Start if c == '"' => {
                r.started = true;
                quote_line = line;
                state = State::Quoted;
            }
            State::Start | State::Unquoted => {
                r.started = true;
                r.cell.push(c);
                state = State::Unquoted;
            }
            State::AfterQuote => {
                if !c.is_whitespace() && r.row_error.is_none() {
                    r.row_error = Some(
                        "text after a closing quote: put the whole cell in quotes and double \
                         any quote inside it"
                            .into(),
                    );
                }
            }
        }
    }
    if state == State::Quoted {
        r.errors.push(RowError {
            line: quote_line,
            message: "a quoted cell is never closed (a \" is missing)".into(),
        });
        return (r.rows, r.errors);
    }
    r.end_row();
    (r.rows, r.errors)
}

/// Reads a paper-ballot CSV file for `ballot` (see the module documentation for the
/// formats). Returns every vote, in line order, or every bad row; never some of the votes.
/// Each vote returned fits the ballot (`Ballot::check_vote`).
pub fn parse(ballot: &BallotFields, text: &str) -> Result<Vec<ImportedVote>, ImportErrors> {
    let (rows, mut errors) = parse_csv(text);
    let mut rows: Vec<CsvRow> = rows
        .into_iter()
        .filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    let header = match rows.first() {
        Some(first)
            if first
                .cells
                .first()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("voter")) =>
        {
            Some(rows.remove(0))
        }
        _ => None,
    };
    if rows.is_empty() && errors.is_empty() {
        return Err(ImportErrors {
            rows: vec![RowError {
                line: 0,
                message: "no votes in file".into(),
            }],
        });
    }

    let mut reader = Reader {
        ballot,
        errors: Vec::new(),
    };
    let drafts = match ballot.method {
        Method::RankedIrv | Method::Borda => {
            reader.one_row_each(&rows, |r, row| r.ranking(row, header.as_ref()))
        }
        Method::Approval => reader.one_row_each(&rows, |r, row| r.approval(row)),
        Method::Plurality => reader.one_row_each(&rows, |r, row| r.plurality(row)),
        Method::Dots { .. } => reader.grouped(&rows, Grouped::Dots),
        Method::Score { .. } => reader.grouped(&rows, Grouped::Score),
    };

    let rules = ballot.counting_rules();
    let mut votes = Vec::with_capacity(drafts.len());
    for d in drafts {
        // Every draft has at least one line; 0 would mean "the whole file".
        let line = d.lines.first().copied().unwrap_or(0);
        match rules.check_vote(&d.vote) {
            Ok(()) => votes.push(ImportedVote {
                line,
                voter: d.voter,
                vote: d.vote,
            }),
            Err(e) => {
                let mut message = describe(ballot, &e);
                if d.lines.len() > 1 {
                    let lines: Vec<String> = d.lines.iter().map(|l| l.to_string()).collect();
                    message.push_str(&format!(
                        " (voter \"{}\" on lines {})",
                        d.voter,
                        lines.join(", ")
                    ));
                }
                reader.errors.push(RowError { line, message });
            }
        }
    }
    errors.append(&mut reader.errors);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(ImportErrors { rows: errors });
    }
    votes.sort_by_key(|v| v.line);
    Ok(votes)
}

/// A vote before it is checked against the ballot.
struct Draft {
    /// Every line that went into it, first line first.
    lines: Vec<usize>,
    voter: String,
    vote: Vote,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Grouped {
    Dots,
    Score,
}

struct Reader<'a> {
    ballot: &'a BallotFields,
    errors: Vec<RowError>,
}

/// Voters are compared ignoring case and surrounding spaces.
fn voter_key(voter: &str) -> String {
    voter.trim().to_lowercase()
}

impl Reader<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(RowError {
            line,
            message: message.into(),
        });
    }

    /// The trimmed voter cell, or an error for an empty one.
    fn voter<'r>(&mut self, row: &'r CsvRow) -> Option<&'r str> {
        let v = row.cells.first().map(|c| c.trim()).unwrap_or("");
        if v.is_empty() {
            self.error(row.line, "the voter cell is empty");
            None
        } else {
            Some(v)
        }
    }

    fn option(&mut self, line: usize, cell: &str) -> Option<OptionId> {
        match self.ballot.find_option(cell) {
            Some(o) => Some(o.id.clone()),
            None => {
                self.error(
                    line,
                    format!("option \"{}\" is not on this ballot", cell.trim()),
                );
                None
            }
        }
    }

    /// The first `n` cells of a row that must have `n` columns; empty cells after them are
    /// ignored.
    fn fixed<'r>(&mut self, row: &'r CsvRow, n: usize, columns: &str) -> Option<&'r [String]> {
        let used = row
            .cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map_or(0, |p| p + 1);
        if row.cells.len() < n || used > n {
            self.error(
                row.line,
                format!(
                    "expected {n} columns ({columns}) but found {}",
                    if row.cells.len() < n {
                        row.cells.len()
                    } else {
                        used
                    }
                ),
            );
            None
        } else {
            Some(&row.cells[..n])
        }
    }

    /// Ranked, approval and plurality files: one row per voter, each voter once.
    fn one_row_each(
        &mut self,
        rows: &[CsvRow],
        read: impl Fn(&mut Self, &CsvRow) -> Option<Vote>,
    ) -> Vec<Draft> {
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut drafts = Vec::new();
        for row in rows {
            let voter = self.voter(row).map(str::to_string);
            if let Some(v) = &voter {
                if let Some(first) = first_line.get(&voter_key(v)) {
                    self.error(
                        row.line,
                        format!("voter \"{v}\" is also on line {first}; each voter may vote once"),
                    );
                } else {
                    first_line.insert(voter_key(v), row.line);
                }
            }
            let vote = read(self, row);
            if let (Some(voter), Some(vote)) = (voter, vote) {
                drafts.push(Draft {
                    lines: vec![row.line],
                    voter,
                    vote,
                });
            }
        }
        drafts
    }

    fn ranking(&mut self, row: &CsvRow, header: Option<&CsvRow>) -> Option<Vote> {
        let mut cells: &[String] = row.cells.get(1..).unwrap_or(&[]);
        while let Some((last, rest)) = cells.split_last() {
            if last.trim().is_empty() {
                cells = rest;
            } else {
                break;
            }
        }
        if let Some(h) = header {
            if cells.len() + 1 > h.cells.len() {
                self.error(
                    row.line,
                    format!(
                        "{} columns but the header on line {} has {}",
                        cells.len() + 1,
                        h.line,
                        h.cells.len()
                    ),
                );
                return None;
            }
        }
        let mut ranking = Vec::with_capacity(cells.len());
        let mut ok = true;
        for c in cells {
            if c.trim().is_empty() {
                ranking.push(None);
            } else {
                match self.option(row.line, c) {
                    Some(o) => ranking.push(Some(o)),
                    None => ok = false,
                }
            }
        }
        ok.then_some(Vote::Ranking { ranking })
    }

    fn approval(&mut self, row: &CsvRow) -> Option<Vote> {
        let cells = self.fixed(row, 2, "voter,choices")?;
        let mut options = Vec::new();
        let mut ok = true;
        for part in cells[1].split(';').filter(|p| !p.trim().is_empty()) {
            match self.option(row.line, part) {
                Some(o) => options.push(o),
                None => ok = false,
            }
        }
        ok.then_some(Vote::Approval { options })
    }

    fn plurality(&mut self, row: &CsvRow) -> Option<Vote> {
        let cells = self.fixed(row, 2, "voter,choice")?;
        if cells[1].trim().is_empty() {
            self.error(row.line, "no choice given");
            return None;
        }
        let option = self.option(row.line, &cells[1])?;
        Some(Vote::Choice { option })
    }

    fn number(&mut self, line: usize, cell: &str, what: &str) -> Option<u32> {
        match cell.trim().parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    line,
                    format!("{what} \"{}\" is not a whole number", cell.trim()),
                );
                None
            }
        }
    }

    /// Dots and score files: rows `voter,option,number`, several per voter, combined into one
    /// vote per voter in the order voters first appear.
    fn grouped(&mut self, rows: &[CsvRow], kind: Grouped) -> Vec<Draft> {
        struct Entry {
            line: usize,
            option: OptionId,
            n: u32,
        }
        let (columns, what) = match kind {
            Grouped::Dots => ("voter,option,dots", "dots"),
            Grouped::Score => ("voter,option,score", "score"),
        };
        let mut order: Vec<String> = Vec::new();
        let mut by_voter: HashMap<String, (String, Vec<usize>, Vec<Entry>)> = HashMap::new();
        // A voter with any bad row gets no vote (the file is refused anyway).
        let mut bad_voters: Vec<String> = Vec::new();
        for row in rows {
            let Some(cells) = self.fixed(row, 3, columns) else {
                continue;
            };
            let voter = self.voter(row);
            let option = if cells[1].trim().is_empty() {
                self.error(row.line, "no option given");
                None
            } else {
                self.option(row.line, &cells[1])
            };
            let n = self.number(row.line, &cells[2], what);
            let Some(voter) = voter else { continue };
            let key = voter_key(voter);
            let group = by_voter.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                (voter.to_string(), Vec::new(), Vec::new())
            });
            group.1.push(row.line);
            match (option, n) {
                (Some(option), Some(n)) => {
                    if kind == Grouped::Score {
                        if let Some(prev) = group.2.iter().find(|e| e.option == option) {
                            let message = format!(
                                "a second score for \"{}\" by voter \"{}\" (the first is on \
                                 line {})",
                                label(self.ballot, &option),
                                group.0,
                                prev.line
                            );
                            self.error(row.line, message);
                            bad_voters.push(key);
                            continue;
                        }
                    }
                    group.2.push(Entry {
                        line: row.line,
                        option,
                        n,
                    });
                }
                _ => bad_voters.push(key),
            }
        }
        let mut drafts = Vec::new();
        for key in order {
            if bad_voters.contains(&key) {
                continue;
            }
            let Some((voter, lines, entries)) = by_voter.remove(&key) else {
                continue;
            };
            let vote = match kind {
                Grouped::Dots => {
                    let mut dots: Vec<DotsOn> = Vec::new();
                    for e in entries {
                        match dots.iter_mut().find(|d| d.option == e.option) {
                            Some(d) => d.dots = d.dots.saturating_add(e.n),
                            None => dots.push(DotsOn {
                                option: e.option,
                                dots: e.n,
                            }),
                        }
                    }
                    Vote::Dots { dots }
                }
                Grouped::Score => Vote::Scores {
                    scores: entries
                        .into_iter()
                        .map(|e| ScoreFor {
                            option: e.option,
                            score: e.n,
                        })
                        .collect(),
                },
            };
            drafts.push(Draft { lines, voter, vote });
        }
        drafts
    }
}

/// An option's label, or its id if it is not on the ballot.
fn label(ballot: &BallotFields, option: &OptionId) -> String {
    ballot
        .options
        .iter()
        .find(|o| &o.id == option)
        .map_or_else(|| option.to_string(), |o| o.label.clone())
}

/// A vote error in words, naming options by label.
fn describe(ballot: &BallotFields, e: &VoteError) -> String {
    match e {
        VoteError::UnknownOption { option } => {
            format!("option \"{}\" is not on this ballot", label(ballot, option))
        }
        VoteError::RepeatedOption { option } => {
            format!(
                "option \"{}\" is listed more than once",
                label(ballot, option)
            )
        }
        VoteError::TooManyDotsOnOption {
            option,
            dots,
            max_per_option,
        } => format!(
            "{dots} dots on \"{}\" but at most {max_per_option} are allowed on one option",
            label(ballot, option)
        ),
        VoteError::TooManyDots { total, per_voter } => {
            format!("{total} dots in all but each voter has {per_voter}")
        }
        VoteError::ScoreTooHigh { option, score, max } => format!(
            "score {score} for \"{}\" but the highest score is {max}",
            label(ballot, option)
        ),
        VoteError::WrongKind { .. } => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::{BallotOption, Eligibility};
    use super::*;

    fn ballot(method: Method) -> BallotFields {
        let o = |id: &str, label: &str| BallotOption {
            id: OptionId::new(id),
            label: label.into(),
            issue_id: None,
        };
        BallotFields {
            question: "Which issue should the next round fund?".into(),
            options: vec![
                o("h", "Housing"),
                o("m", "Mental health"),
                o("y", "Youth services, after school"),
            ],
            method,
            eligibility: Eligibility::AnonymousToken,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: 1,
        }
    }

    fn id(s: &str) -> OptionId {
        OptionId::new(s)
    }

    fn some(s: &str) -> Option<OptionId> {
        Some(id(s))
    }

    /// The line numbers of every error, and the errors' text.
    fn bad(method: Method, text: &str) -> (Vec<usize>, String) {
        match parse(&ballot(method), text) {
            Ok(v) => panic!("expected errors, got {v:?}"),
            Err(e) => (e.rows.iter().map(|r| r.line).collect(), e.to_string()),
        }
    }

    #[test]
    fn csv_reader_handles_quotes_crlf_bom_and_line_numbers() {
        let text = "\u{FEFF}voter,choice_1\r\n\r\n\"a, \"\"b\"\"\",\"two\r\nlines\"\r\nc,\"\"\nd";
        let (rows, errors) = parse_csv(text);
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<(usize, Vec<&str>)> = rows
            .iter()
            .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, vec!["voter", "choice_1"]),
                (3, vec!["a, \"b\"", "two\nlines"]),
                (5, vec!["c", ""]),
                (6, vec!["d"]),
            ]
        );
    }

    #[test]
    fn ranked_file_keeps_blanks_drops_trailing_empties_and_names_options_three_ways() {
        let text = "Voter,choice_1,choice_2,choice_3\n\
                    org-1,Housing,m,\n\
                    org-2,,3,HOUSING\n\
                    org-3,\"Youth services, after school\",,\n\
                    org-4,,,\n";
        let votes = parse(&ballot(Method::RankedIrv), text).unwrap();
        let got: Vec<(usize, &str, &Vote)> = votes
            .iter()
            .map(|v| (v.line, v.voter.as_str(), &v.vote))
            .collect();
        let r = |ranking: Vec<Option<OptionId>>| Vote::Ranking { ranking };
        assert_eq!(
            got,
            vec![
                (2, "org-1", &r(vec![some("h"), some("m")])),
                (3, "org-2", &r(vec![None, some("y"), some("h")])),
                (4, "org-3", &r(vec![some("y")])),
                (5, "org-4", &r(vec![])),
            ]
        );
        // Borda takes the same format; no header is needed.
        let votes = parse(&ballot(Method::Borda), "a,1,2\r\nb,2\r\n").unwrap();
        assert_eq!(votes.len(), 2);
        assert_eq!(votes[1].vote, r(vec![some("m")]));
    }

    #[test]
    fn approval_file() {
        let text = "voter,choices\n t1 ,Housing; Mental health\nt2,\nt3,3;\n";
        let votes = parse(&ballot(Method::Approval), text).unwrap();
        let got: Vec<(&str, &Vote)> = votes.iter().map(|v| (v.voter.as_str(), &v.vote)).collect();
        let a = |o: &[&str]| Vote::Approval {
            options: o.iter().map(|s| id(s)).collect(),
        };
        assert_eq!(
            got,
            vec![("t1", &a(&["h", "m"])), ("t2", &a(&[])), ("t3", &a(&["y"]))]
        );
    }

    #[test]
    fn plurality_file() {
        let votes = parse(&ballot(Method::Plurality), "a,housing\nb,2\nc,y,,\n").unwrap();
        let got: Vec<&Vote> = votes.iter().map(|v| &v.vote).collect();
        let c = |o: &str| Vote::Choice { option: id(o) };
        assert_eq!(got, vec![&c("h"), &c("m"), &c("y")]);
    }

    #[test]
    fn dots_rows_for_one_voter_are_added_together() {
        let m = Method::Dots {
            per_voter: 5,
            max_per_option: 3,
        };
        let text = "voter,option,dots\nann,Housing,1\nbob,m,2\nANN,y,2\nann,h,2\n";
        let votes = parse(&ballot(m), text).unwrap();
        assert_eq!(votes.len(), 2);
        assert_eq!(votes[0].line, 2);
        assert_eq!(votes[0].voter, "ann");
        assert_eq!(
            votes[0].vote,
            Vote::Dots {
                dots: vec![
                    DotsOn {
                        option: id("h"),
                        dots: 3
                    },
                    DotsOn {
                        option: id("y"),
                        dots: 2
                    },
                ]
            }
        );
        assert_eq!(votes[1].voter, "bob");
    }

    #[test]
    fn score_rows_for_one_voter_make_one_vote() {
        let text = "ann,Housing,4\nann,m,0\nbob,3,5\n";
        let votes = parse(&ballot(Method::Score { max: 5 }), text).unwrap();
        let s = |v: &[(&str, u32)]| Vote::Scores {
            scores: v
                .iter()
                .map(|(o, n)| ScoreFor {
                    option: id(o),
                    score: *n,
                })
                .collect(),
        };
        assert_eq!(votes[0].vote, s(&[("h", 4), ("m", 0)]));
        assert_eq!(votes[1].vote, s(&[("y", 5)]));
        assert_eq!((votes[0].line, votes[1].line), (1, 3));
    }

    #[test]
    fn unknown_option_is_named_with_its_line() {
        let (lines, text) = bad(Method::Plurality, "voter,choice\na,Housing\nb,Parks\n");
        assert_eq!(lines, [3]);
        assert_eq!(text, "line 3: option \"Parks\" is not on this ballot");
        let (lines, _) = bad(Method::RankedIrv, "a,1,9,Parks\n");
        assert_eq!(lines, [1, 1], "each bad cell is reported");
        let (lines, _) = bad(Method::Approval, "a,h;zz\n");
        assert_eq!(lines, [1]);
    }

    #[test]
    fn empty_voter_cell() {
        let (lines, text) = bad(Method::Plurality, "a,h\n  ,m\n");
        assert_eq!(lines, [2]);
        assert!(text.contains("voter cell is empty"), "{text}");
        let (lines, _) = bad(Method::Score { max: 3 }, "a,h,1\n,m,2\n");
        assert_eq!(lines, [2]);
    }

    #[test]
    fn same_voter_twice_names_both_lines() {
        for m in [Method::RankedIrv, Method::Approval, Method::Plurality] {
            let (lines, text) = bad(m, "voter,x\nann,h\nbob,m\nAnn ,y\n");
            assert_eq!(lines, [4], "{m:?}");
            assert!(
                text.starts_with("line 4: voter \"Ann\" is also on line 2"),
                "{text}"
            );
        }
    }

    #[test]
    fn dots_and_scores_must_be_whole_numbers() {
        let m = Method::Dots {
            per_voter: 5,
            max_per_option: 5,
        };
        let (lines, text) = bad(m, "a,h,1\nb,h,two\nc,m,-1\nd,y,1.5\n");
        assert_eq!(lines, [2, 3, 4]);
        assert!(
            text.contains("line 2: dots \"two\" is not a whole number"),
            "{text}"
        );
        let (lines, text) = bad(Method::Score { max: 5 }, "a,h,\n");
        assert_eq!(lines, [1]);
        assert!(text.contains("score \"\" is not a whole number"), "{text}");
    }

    #[test]
    fn wrong_column_count() {
        let dots = Method::Dots {
            per_voter: 5,
            max_per_option: 5,
        };
        let (lines, text) = bad(dots, "a,h,1\nb,h\nc,h,1,extra\n");
        assert_eq!(lines, [2, 3]);
        assert!(
            text.contains("line 2: expected 3 columns (voter,option,dots) but found 2"),
            "{text}"
        );
        assert!(text.contains("line 3: expected 3 columns"), "{text}");
        let (lines, _) = bad(Method::Approval, "a\n");
        assert_eq!(lines, [1]);
        let (lines, _) = bad(Method::Plurality, "a,h,m\n");
        assert_eq!(lines, [1]);
        let (lines, text) = bad(Method::RankedIrv, "voter,choice_1,choice_2\na,h,m,y\n");
        assert_eq!(lines, [2]);
        assert!(text.contains("header on line 1 has 3"), "{text}");
    }

    #[test]
    fn empty_file() {
        for text in ["", "\u{FEFF}", "\n\r\n", "voter,choice\n", ",,\n"] {
            let (lines, msg) = bad(Method::Plurality, text);
            assert_eq!(lines, [0], "{text:?}");
            assert_eq!(msg, "no votes in file");
        }
    }

    #[test]
    fn unterminated_quote_names_the_line_it_starts_on() {
        let (lines, text) = bad(Method::Plurality, "a,h\nb,\"Housing\nc,m\n");
        assert_eq!(lines, [2]);
        assert!(text.contains("never closed"), "{text}");
    }

    #[test]
    fn text_after_a_closing_quote() {
        let (lines, _) = bad(Method::Plurality, "a,\"Hous\"ing\nb,m\n");
        assert_eq!(lines, [1]);
    }

    #[test]
    fn a_vote_that_does_not_fit_the_ballot_is_a_row_error() {
        let dots = Method::Dots {
            per_voter: 3,
            max_per_option: 2,
        };
        let (lines, text) = bad(dots, "a,h,2\nb,h,1\na,m,2\nc,y,3\n");
        assert_eq!(lines, [1, 4]);
        assert!(
            text.contains("line 1: 4 dots in all but each voter has 3 (voter \"a\" on lines 1, 3)"),
            "{text}"
        );
        assert!(
            text.contains("line 4: 3 dots on \"Youth services, after school\" but at most 2"),
            "{text}"
        );
        let (lines, text) = bad(Method::Score { max: 5 }, "a,h,6\n");
        assert_eq!(lines, [1]);
        assert!(text.contains("score 6 for \"Housing\" but the highest score is 5"));
        let (lines, text) = bad(Method::Approval, "a,h;Housing\n");
        assert_eq!(lines, [1]);
        assert!(
            text.contains("\"Housing\" is listed more than once"),
            "{text}"
        );
        let (lines, text) = bad(Method::Score { max: 5 }, "a,h,1\nb,m,1\na,housing,2\n");
        assert_eq!(lines, [3]);
        assert!(text.contains("the first is on line 1"), "{text}");
    }

    #[test]
    fn one_bad_row_among_good_ones_imports_nothing_and_every_bad_row_is_listed() {
        let b = ballot(Method::Plurality);
        let good = "voter,choice\na,h\nb,m\nc,y\n";
        assert_eq!(parse(&b, good).unwrap().len(), 3);
        let err = parse(&b, "voter,choice\na,h\nb,Parks\nc,y\n,m\nd,h\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3: option \"Parks\" is not on this ballot\nline 5: the voter cell is empty"
        );
    }
}
