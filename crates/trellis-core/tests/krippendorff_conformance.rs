//! Conformance of `trellis_core::grants::alpha` with published worked examples of
//! Krippendorff's alpha, in `tests/conformance/krippendorff/cases.json` (data values and
//! expected numbers only; sources and licences in the README there).
//!
//! Every case and every metric it gives is checked: the published value within the case's
//! tolerance, and the data preparer's independently recomputed value (six decimals) within
//! 1e-6. Variants (the same data as text labels, or recoded) must give the same values. The
//! edge case with a single value everywhere must come back as a typed "undefined" result.

use std::path::PathBuf;

use serde_json::Value;
use trellis_core::grants::alpha::{alpha, alpha_of_labels, Alpha, Metric, Undefined};

fn cases() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/krippendorff/cases.json");
    let text = std::fs::read_to_string(&path).expect("cases.json is readable");
    serde_json::from_str(&text).expect("cases.json is JSON")
}

fn metric(name: &str) -> Metric {
    Metric::ALL
        .into_iter()
        .find(|m| m.code() == name)
        .unwrap_or_else(|| panic!("unknown metric {name}"))
}

enum Data {
    Numbers(Vec<Vec<Option<f64>>>),
    Labels(Vec<Vec<Option<String>>>),
}

fn data(rows: &Value) -> Data {
    let rows = rows.as_array().expect("data is a list of rows");
    let has_text = rows
        .iter()
        .flat_map(|r| r.as_array().expect("row is a list"))
        .any(Value::is_string);
    if has_text {
        Data::Labels(
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .expect("row")
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .collect(),
        )
    } else {
        Data::Numbers(
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .expect("row")
                        .iter()
                        .map(|v| {
                            if v.is_null() {
                                None
                            } else {
                                Some(v.as_f64().expect("value is a number"))
                            }
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

fn compute(data: &Data, m: Metric, order: Option<&[String]>) -> Alpha {
    match data {
        Data::Numbers(rows) => alpha(rows, m).expect("alpha computes"),
        Data::Labels(rows) => alpha_of_labels(rows, m, order).expect("alpha computes"),
    }
}

/// Applies a variant's `value_map` (keys are the original numbers as text).
fn recode(rows: &Value, map: &serde_json::Map<String, Value>) -> Value {
    let key = |v: &Value| -> String {
        let n = v.as_f64().expect("original value is a number");
        format!("{}", n as i64)
    };
    Value::Array(
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                Value::Array(
                    r.as_array()
                        .expect("row")
                        .iter()
                        .map(|v| {
                            if v.is_null() {
                                Value::Null
                            } else {
                                map.get(&key(v))
                                    .cloned()
                                    .expect("value_map covers the value")
                            }
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

#[test]
fn every_published_case_and_metric_agrees() {
    let all = cases();
    let list = all["cases"].as_array().expect("cases");
    assert_eq!(list.len(), 26, "every case in cases.json is checked");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in list {
        let id = case["id"].as_str().expect("id");
        let tolerance = case["tolerance"].as_f64().expect("tolerance");
        let d = data(&case["data"]);
        let expected = case["expected"].as_object().expect("expected");
        assert!(!expected.is_empty(), "{id} expects something");
        for (name, want) in expected {
            let m = metric(name);
            let want = want.as_f64().expect("expected value");
            let got = compute(&d, m, None).value();
            match got {
                Some(v) if (v - want).abs() <= tolerance => {}
                _ => failures.push(format!(
                    "{id} {name}: got {got:?}, want {want} ± {tolerance}"
                )),
            }
            if let Some(indep) = case["independent_check"]["values"][name.as_str()].as_f64() {
                match got {
                    Some(v) if (v - indep).abs() <= 1e-6 => {}
                    _ => failures.push(format!(
                        "{id} {name}: got {got:?}, independent check {indep}"
                    )),
                }
            }
            checked += 1;
        }
        // Text data also comes coded as numbers: nominal alpha must not change.
        if case.get("numeric_data").is_some() {
            let numeric = data(&case["numeric_data"]);
            let a = compute(&d, Metric::Nominal, None).value();
            let b = compute(&numeric, Metric::Nominal, None).value();
            assert_eq!(a, b, "{id}: labels and their numeric coding agree");
        }
        for variant in case["variants"].as_array().into_iter().flatten() {
            let vid = variant["id"].as_str().expect("variant id");
            let map = variant["value_map"].as_object().expect("value_map");
            let recoded = data(&recode(&case["data"], map));
            let order: Option<Vec<String>> = variant["ordinal_value_order"].as_array().map(|o| {
                o.iter()
                    .map(|v| v.as_str().expect("label").to_string())
                    .collect()
            });
            for (name, want) in variant["expected"].as_object().expect("expected") {
                let m = metric(name);
                let want = want.as_f64().expect("expected value");
                let got = compute(&recoded, m, order.as_deref()).value();
                match got {
                    Some(v) if (v - want).abs() <= tolerance => {}
                    _ => failures.push(format!(
                        "{id} / {vid} {name}: got {got:?}, want {want} ± {tolerance}"
                    )),
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    // 4 + 2 + 1 + 1 + 2 + 20 + 1 published values, plus 3 from the variants.
    assert_eq!(checked, 34);
}

#[test]
fn a_single_value_everywhere_is_undefined_not_nan() {
    let all = cases();
    let edge = all["edge_cases"].as_array().expect("edge_cases");
    assert_eq!(edge.len(), 1);
    for case in edge {
        assert_eq!(case["id"], "single_value_everywhere");
        assert!(case["expected"].is_null());
        let d = data(&case["data"]);
        for m in Metric::ALL {
            assert_eq!(
                compute(&d, m, None),
                Alpha::Undefined {
                    reason: Undefined::NoVariation
                },
                "{}",
                m.code()
            );
        }
    }
}
