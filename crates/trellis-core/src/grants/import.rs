//! Applications from a spreadsheet (CSV), all or nothing: staff who received bids by
//! email, post or conversation can enter a batch at once. Columns, with a header row:
//! `organisation,amount,core,formats,summary,received_on[,answer_1,answer_2,...]`.
//! `core` is yes/no; `formats` lists written, audio, video or conversation separated by `;`.

use crate::ballot::import::{parse_csv, ImportErrors, RowError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub line: usize,
    /// The organisation as written: an identifier, a name or an id.
    pub organisation: String,
    pub amount_gbp: String,
    pub core_funding: bool,
    pub formats: Vec<String>,
    pub summary: String,
    pub received_on: String,
    pub answers: Vec<String>,
}

pub fn parse_applications(text: &str) -> Result<Vec<ApplicationRow>, ImportErrors> {
    let (rows, mut errors) = parse_csv(text);
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.cells.iter().map(|c| c.trim().to_string()).collect();
        if i == 0
            && cells
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("organisation"))
        {
            continue;
        }
        let err = |message: String| RowError {
            line: row.line,
            message,
        };
        if cells.len() < 6 {
            errors.push(err(format!(
                "expected at least 6 columns (organisation, amount, core, formats, summary, received_on), found {}",
                cells.len()
            )));
            continue;
        }
        let core_funding = match cells[2].to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => true,
            "no" | "n" | "false" | "0" | "" => false,
            other => {
                errors.push(err(format!("core is yes or no, not {other:?}")));
                continue;
            }
        };
        if cells[0].is_empty() {
            errors.push(err("the organisation is missing".into()));
            continue;
        }
        let mut answers: Vec<String> = cells[6..].to_vec();
        while answers.last().is_some_and(String::is_empty) {
            answers.pop();
        }
        out.push(ApplicationRow {
            line: row.line,
            organisation: cells[0].clone(),
            amount_gbp: cells[1].clone(),
            core_funding,
            formats: cells[3]
                .split(';')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect(),
            summary: cells[4].clone(),
            received_on: cells[5].clone(),
            answers,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 0,
            message: "no applications in file".into(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(ImportErrors { rows: errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_reports_bad_ones_by_line() {
        let good = "organisation,amount,core,formats,summary,received_on,answer_1\nGB-CHC-1290011,\"£5,000\",yes,video;written,\"Peer champions, weekly\",2026-07-01,We will train six champions.\n";
        let rows = parse_applications(good).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].formats, ["video", "written"]);
        assert_eq!(rows[0].amount_gbp, "£5,000");
        assert!(rows[0].core_funding);
        assert_eq!(rows[0].answers, ["We will train six champions."]);
        let bad = "organisation,amount,core,formats,summary,received_on\nA,1,maybe,audio,x,2026-07-01\nB,2\n";
        let err = parse_applications(bad).unwrap_err();
        let lines: Vec<usize> = err.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(
            parse_applications("organisation,amount,core,formats,summary,received_on\n").is_err()
        );
    }
}
