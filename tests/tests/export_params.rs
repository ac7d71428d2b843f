//! An exported func file says every param its function runs with: the function's own
//! (`#[kis_function(params(...))]`) under the func file's `default_params`, which override them.

use kisflow::Pool;
use kisflow::config::Config;
use kisflow::prelude::*;

#[kis_function(
    mode = "Calculate",
    name = "WeighParcels",
    params(limit = "10", unit = "kg")
)]
fn weigh_parcels(rows: Vec<u32>) -> Vec<u32> {
    rows
}

#[test]
fn an_exported_func_file_keeps_the_code_params_under_its_own() {
    let yaml = "kistype: func\nfname: WeighParcels\nfmode: Calculate\noption:\n  default_params:\n    unit: lb\n";
    let flow = "kistype: flow\nstatus: 1\nflow_name: Weighing\nflows:\n  - fname: WeighParcels\n";
    let dir = std::env::temp_dir().join(format!("kisflow-export-params-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/func.yml"), yaml).unwrap();
    std::fs::write(dir.join("in/flow.yml"), flow).unwrap();
    let pool = Pool::new(Config::load(dir.join("in")).unwrap()).unwrap();
    pool.export("Weighing", dir.join("out")).unwrap();
    let exported = Config::load(dir.join("out")).unwrap();
    let params = &exported.func("WeighParcels").unwrap().option.default_params;
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(params, [("limit", "10"), ("unit", "lb")]);
    let _ = std::fs::remove_dir_all(&dir);
}
