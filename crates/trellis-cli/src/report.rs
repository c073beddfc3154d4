//! How the CLI prints results and errors for people.

use trellis_store::{DoctorReport, StoreError};

pub fn error(err: &anyhow::Error) {
    match err.downcast_ref::<StoreError>() {
        Some(StoreError::Invalid(invalid)) => {
            eprintln!("error: nothing was changed:");
            for e in &invalid.errors {
                eprintln!("  {}: {}", e.field, e.message);
            }
        }
        _ => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
        }
    }
}

pub fn doctor(r: &DoctorReport) {
    println!("database        {}", r.path);
    println!(
        "schema version  {} (this build: {})",
        r.schema_version, r.supported_schema_version
    );
    println!("integrity       {}", r.integrity);
    for (table, n) in &r.counts {
        println!("  {table:<14}{n}");
    }
    for n in &r.notices {
        println!("NOTE: {n}");
    }
    if r.faults.is_empty() {
        println!("no faults found");
    } else {
        for f in &r.faults {
            println!("FAULT: {f}");
        }
    }
}

pub fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}
