//! Attachments on a real disk: stored once by content, streamed, and still there after
//! the database is closed and opened again.

use std::io::Write;

use tempfile::TempDir;
use trellis_store::Store;

#[test]
fn a_200_mb_recording_attached_twice_is_stored_once_and_survives_a_restart() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.sqlite3");
    let video = dir.path().join("Application video.mp4");
    {
        let mut f = std::fs::File::create(&video).unwrap();
        let block: Vec<u8> = (0..(1 << 20))
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        for i in 0..200u32 {
            let mut b = block.clone();
            b[..4].copy_from_slice(&i.to_le_bytes());
            f.write_all(&b).unwrap();
        }
    }
    let copy = dir.path().join("same video, renamed.mp4");
    std::fs::copy(&video, &copy).unwrap();

    let sha = {
        let store = Store::open(&db).unwrap();
        let first = store.store_file(&video).unwrap();
        assert!(first.newly_stored);
        assert_eq!(first.size_bytes, 200 << 20);
        assert_eq!(first.media_type, "video/mp4");
        let second = store.store_file(&copy).unwrap();
        assert!(!second.newly_stored, "same content is stored once");
        assert_eq!(second.sha256, first.sha256);
        let stored: Vec<_> = std::fs::read_dir(store.attachments_dir())
            .unwrap()
            .collect();
        assert_eq!(stored.len(), 1, "one file on disk, no leftovers");
        first.sha256
    };
    let store = Store::open(&db).unwrap();
    let path = store.attachment_path(&sha).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 200 << 20);
    assert!(store.attachment_path(&"0".repeat(64)).is_err());
    assert!(store.attachment_path("../../etc/passwd").is_err());
    assert!(store
        .store_file(&dir.path().join("missing.mp3"))
        .unwrap_err()
        .to_string()
        .contains("missing.mp3"));
}
