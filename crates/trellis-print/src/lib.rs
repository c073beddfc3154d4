//! Approved letters from the store, laid out as PDFs: the glue between trellis-store's
//! letter text and trellis-letters' pages, shared by the `trellis` command line and the
//! app, so trellis-letters knows nothing of the database.
//!
//! Assets (fonts, logo) are found in `$TRELLIS_ASSETS` if set, else in
//! `<exe>/../../assets` (a build in `target/<profile>/`, e.g. `target/debug/trellis` or
//! `target/release/trellis-app` run from the repository), else in this workspace's
//! `assets/`; an error names every place looked.
//!
//! A batch is laid out whole in memory before anything is written, then written into a
//! temporary folder beside the destination and moved into place, so an error leaves the
//! destination without partial files.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use trellis_core::letter::LetterContent;
use trellis_core::settings::Settings;
use trellis_letters::{Fonts, Layout, Letter, LetterError, Letterhead, REGULAR_FONT_FILE};
use trellis_store::{LetterView, Store, StoreError};
use uuid::Uuid;

/// The logo, inside the assets folder.
pub const LOGO: &str = "letterhead/logo.png";

/// Why letters could not be laid out or written. Each message names the letter, the
/// file or the folder concerned.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(
        "cannot find the letter fonts; looked in {}. Set TRELLIS_ASSETS to the folder that holds fonts/ and letterhead/",
        .looked.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(" and ")
    )]
    AssetsNotFound {
        /// The `fonts` folders looked in.
        looked: Vec<PathBuf>,
    },
    #[error("the letter to {organisation} ({id}) is not approved yet")]
    NotApproved { organisation: String, id: Uuid },
    #[error("no approved letters in this round yet")]
    NoneApproved,
    #[error("the letter to {organisation}: {source}")]
    Render {
        organisation: String,
        source: LetterError,
    },
    #[error(transparent)]
    Letters(#[from] LetterError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{what} {}: {source}", .path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a folder name", .0.display())]
    NotAFolder(PathBuf),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PrintError {
    let path = path.to_path_buf();
    move |source| PrintError::Io { what, path, source }
}

/// The assets folder: `$TRELLIS_ASSETS`, else next to the executable's build tree, else
/// the workspace's. With `$TRELLIS_ASSETS` set, only that folder is used.
pub fn assets_dir() -> Result<PathBuf, PrintError> {
    if let Some(dir) = std::env::var_os("TRELLIS_ASSETS") {
        return Ok(PathBuf::from(dir));
    }
    let mut looked = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            looked.push(dir.join("../../assets"));
        }
    }
    looked.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets"));
    for dir in &looked {
        if dir.join("fonts").join(REGULAR_FONT_FILE).is_file() {
            return Ok(dir.clone());
        }
    }
    Err(PrintError::AssetsNotFound {
        looked: looked.iter().map(|d| d.join("fonts")).collect(),
    })
}

/// Fonts and letterhead, loaded once per run; a missing font or logo names the file.
pub struct Press {
    pub fonts: Fonts,
    pub letterhead: Letterhead,
}

impl Press {
    pub fn load(settings: &Settings) -> Result<Press, PrintError> {
        let assets = assets_dir()?;
        let fonts = Fonts::load(&assets.join("fonts"))?;
        let logo = trellis_letters::read_logo(&assets.join(LOGO))?;
        Ok(Press {
            fonts,
            letterhead: Letterhead {
                organisation_name: settings.programme_name.clone(),
                address_lines: settings.letterhead_address.clone(),
                logo_png: Some(logo),
            },
        })
    }

    /// One letter's PDF.
    pub fn render(&self, letter: &Letter, layout: &Layout) -> Result<Vec<u8>, LetterError> {
        trellis_letters::render(&self.letterhead, letter, layout, &self.fonts)
    }
}

/// The approved version of a letter as `trellis-letters` lays it out: the document id is
/// the version's id and the date is the approval date, so the same letter always gives
/// the same bytes.
pub fn approved_letter(view: &LetterView) -> Result<Letter, PrintError> {
    let Some(v) = view.approved() else {
        return Err(PrintError::NotApproved {
            organisation: view.organisation_name.clone(),
            id: view.id,
        });
    };
    let date = v.approved_on.expect("an approved version has a date");
    Ok(to_letter(&v.content, view.document_id(v.version), date))
}

pub fn to_letter(c: &LetterContent, document_id: String, date: NaiveDate) -> Letter {
    Letter {
        document_id,
        date,
        recipient: c.recipient.clone(),
        salutation: c.salutation.clone(),
        heading: c.heading.clone(),
        paragraphs: c.paragraphs.clone(),
        criteria: c
            .criteria
            .iter()
            .map(|r| trellis_letters::CriterionRow {
                criterion: r.criterion.clone(),
                score_words: r.score_words.clone(),
                comments: r.comments.clone(),
            })
            .collect(),
        closing_paragraphs: c.closing_paragraphs.clone(),
        sign_off: c.sign_off.clone(),
        footer: c.footer.clone(),
    }
}

/// A file name from an organisation's name: letters and digits kept, the rest hyphens.
pub fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A round's approved letters laid out, not yet written.
#[derive(Debug)]
pub struct Batch {
    /// `NNN-organisation.pdf` and its bytes, one per approved letter, in the round's order.
    pub files: Vec<(String, Vec<u8>)>,
    /// Every letter in one print file, when asked for.
    pub combined: Option<Vec<u8>>,
    /// Organisations whose letter is not approved yet (not rendered).
    pub waiting: Vec<String>,
}

/// Lays out every approved letter of a round, in large print when `large_print` or when
/// the organisation asked for it, and the combined print file when `combined`. Nothing
/// is written; an error names the letter.
pub fn render_round(
    store: &Store,
    round: Uuid,
    large_print: bool,
    combined: bool,
) -> Result<Batch, PrintError> {
    let list = store.round_letters(round)?;
    let waiting: Vec<String> = list
        .iter()
        .filter(|l| l.approved().is_none())
        .map(|l| l.organisation_name.clone())
        .collect();
    let approved: Vec<&LetterView> = list.iter().filter(|l| l.approved().is_some()).collect();
    if approved.is_empty() {
        return Err(PrintError::NoneApproved);
    }
    let press = Press::load(&store.settings()?)?;
    let mut items = Vec::new();
    let mut files = Vec::new();
    for (i, view) in approved.iter().enumerate() {
        let letter = approved_letter(view)?;
        let layout = Layout {
            large_print: large_print || view.large_print,
        };
        let bytes = press
            .render(&letter, &layout)
            .map_err(|source| PrintError::Render {
                organisation: view.organisation_name.clone(),
                source,
            })?;
        files.push((
            format!("{:03}-{}.pdf", i + 1, file_stem(&view.organisation_name)),
            bytes,
        ));
        if combined {
            items.push((press.letterhead.clone(), letter, layout));
        }
    }
    let combined = if combined {
        Some(trellis_letters::render_combined(&items, &press.fonts)?)
    } else {
        None
    };
    Ok(Batch {
        files,
        combined,
        waiting,
    })
}

/// Writes every file into a fresh folder beside `out`, then moves them into `out` (or
/// renames the folder to `out` when it does not exist yet): a failure part way leaves
/// `out` without partial files.
pub fn write_batch(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), PrintError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .ok_or_else(|| PrintError::NotAFolder(out.to_path_buf()))?
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(&parent).map_err(io("creating", &parent))?;
    let tmp = parent.join(format!(".{name}.partial-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&tmp).map_err(io("creating", &tmp))?;
    let result = (|| -> Result<(), PrintError> {
        for (file, bytes) in files {
            trellis_letters::write_atomically(&tmp.join(file), bytes)?;
        }
        if !out.exists() {
            std::fs::rename(&tmp, out).map_err(io("moving the letters into", out))?;
        } else {
            for (file, _) in files {
                let to = out.join(file);
                std::fs::rename(tmp.join(file), &to).map_err(io("moving a letter to", &to))?;
            }
            std::fs::remove_dir(&tmp).ok();
        }
        Ok(())
    })();
    if result.is_err() {
        std::fs::remove_dir_all(&tmp).ok();
    }
    result
}

/// The name of a round's export folder: `<round title> <date>`, with characters that
/// are not safe in a file name on Windows, macOS or Linux replaced by hyphens.
pub fn export_folder_name(round_title: &str, date: NaiveDate) -> String {
    let title: String = round_title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let title = title.trim().trim_matches('.').trim();
    if title.is_empty() {
        format!("Letters {date}")
    } else {
        format!("{title} {date}")
    }
}

/// `base/name`, or `base/name (2)`, `(3)`… when taken: a second export never mixes its
/// files with an earlier one's.
pub fn unused_folder(base: &Path, name: &str) -> PathBuf {
    let first = base.join(name);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| base.join(format!("{name} ({n})")))
        .find(|p| !p.exists())
        .expect("some number is free")
}

/// The file name of the combined print file in an exported folder.
pub const COMBINED_FILE: &str = "all-letters.pdf";

/// What [`export_round`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub folder: PathBuf,
    /// One PDF per approved letter, then [`COMBINED_FILE`].
    pub files: Vec<String>,
    /// How many letters (not counting the combined file).
    pub letters: usize,
    /// Organisations whose letter is not approved yet, so not exported.
    pub waiting: Vec<String>,
}

/// Renders every approved letter of a round (large print for organisations that asked)
/// and the combined print file into a new folder `base/<round title> <date>` (with
/// ` (2)`… when that exists), all or nothing.
pub fn export_round(
    store: &Store,
    round: Uuid,
    base: &Path,
    today: NaiveDate,
) -> Result<Exported, PrintError> {
    let title = store.round(round)?.fields.title;
    let batch = render_round(store, round, false, true)?;
    let letters = batch.files.len();
    let mut files = batch.files;
    files.push((
        COMBINED_FILE.to_string(),
        batch.combined.expect("asked for the combined file"),
    ));
    let folder = unused_folder(base, &export_folder_name(&title, today));
    write_batch(&folder, &files)?;
    Ok(Exported {
        folder,
        files: files.into_iter().map(|(name, _)| name).collect(),
        letters,
        waiting: batch.waiting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_letters_of_any_alphabet() {
        assert_eq!(file_stem("Łączy Nas"), "łączy-nas");
        assert_eq!(file_stem("  Hope Kitchen (Leeds) "), "hope-kitchen-leeds");
    }

    #[test]
    fn folder_names_are_safe_everywhere() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            export_folder_name("Community Fund: 2026/27", d),
            "Community Fund- 2026-27 2026-11-26"
        );
        assert_eq!(export_folder_name(" ..", d), "Letters 2026-11-26");
    }

    #[test]
    fn a_second_export_gets_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unused_folder(dir.path(), "R"), dir.path().join("R"));
        std::fs::create_dir(dir.path().join("R")).unwrap();
        assert_eq!(unused_folder(dir.path(), "R"), dir.path().join("R (2)"));
    }

    #[test]
    fn a_failed_batch_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("batch");
        // A file name that cannot be created (a folder in the way) fails part way.
        let files = vec![
            ("a.pdf".to_string(), b"%PDF a".to_vec()),
            ("missing/b.pdf".to_string(), b"%PDF b".to_vec()),
        ];
        assert!(write_batch(&out, &files).is_err());
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        write_batch(&out, &files[..1]).unwrap();
        assert_eq!(std::fs::read(out.join("a.pdf")).unwrap(), b"%PDF a");
    }

    #[test]
    fn export_writes_every_approved_letter_and_the_combined_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        store.load_demo(today).unwrap();
        let round = store.rounds().unwrap().pop().unwrap();
        let base = dir.path().join("out");
        let done = export_round(&store, round.id, &base, today).unwrap();
        assert!(done.letters > 0);
        assert_eq!(done.files.len(), done.letters + 1);
        assert_eq!(done.files.last().unwrap(), COMBINED_FILE);
        let mut on_disk: Vec<String> = std::fs::read_dir(&done.folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut expected = done.files.clone();
        expected.sort();
        assert_eq!(on_disk, expected);
        assert!(done
            .folder
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("2026-11-26"));
        let again = export_round(&store, round.id, &base, today).unwrap();
        assert_ne!(again.folder, done.folder);
    }
}
