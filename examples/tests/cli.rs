//! The `kisflow` command line, run as a real process: the `kisflow-demo` binary of this crate
//! (`examples/kisflow_cli.rs`). Each test checks standard output, standard error and the exit
//! code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/kisflow_cli/conf");

/// A directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("kisflow-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.0.join(file);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn demo(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn assert_run(output: &Output, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (
            output.status.code(),
            text(&output.stdout).as_str(),
            text(&output.stderr).as_str()
        ),
        (Some(code), stdout, stderr)
    );
}

const ROWS: &str = r#"{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}
{"stu_id":1001,"score_1":100,"score_2":90,"score_3":80}

{"stu_id":102,"score_1":100,"score_2":90,"score_3":40}
"#;

#[test]
fn list_shows_functions_and_flows() {
    assert_run(
        &demo(&["list", "--config", CONF], None),
        0,
        "functions:
  AvgStuScore (Calculate): kisflow_examples::StuScore -> kisflow_examples::StuAvg
  PrintHonourRoll (Expand): kisflow_examples::StuAvg -> nothing
  PrintStuAvgScore (Expand): kisflow_examples::StuAvg -> nothing
  TopStudents (Verify): kisflow_examples::StuAvg -> kisflow_examples::StuAvg
  VerifyStu (Verify): kisflow_examples::StuScore -> kisflow_examples::StuScore
flows:
  AvgScores: VerifyStu -> AvgStuScore
  CalStuAvgScore (code, changed by yaml): VerifyStu -> AvgStuScore -> PrintStuAvgScore
  HonourRoll (yaml): VerifyStu -> AvgStuScore
  ScoreReport (yaml): VerifyStu -> AvgStuScore -> [PrintStuAvgScore, TopStudents -> PrintHonourRoll]
",
        "",
    );
}

#[test]
fn validate_accepts_a_good_directory() {
    assert_run(
        &demo(&["validate", CONF], None),
        0,
        &format!("{CONF}: ok, 1 function, 3 flows and 0 connectors checked\n"),
        "",
    );
}

#[test]
fn validate_of_a_file_that_is_not_yaml_says_it_is_not_a_directory() {
    let dir = TempDir::new("notadir");
    let readme = dir.write("README.md", "# notes\n");
    assert_run(
        &demo(&["validate", readme.to_str().unwrap()], None),
        1,
        "",
        &format!(
            "`{}` is not a directory; give the directory of your `.yml`/`.yaml` config files (or \
             one such file)\n",
            readme.display()
        ),
    );
}

#[test]
fn validate_reports_a_connector_the_command_line_cannot_make_with_the_other_problems() {
    let dir = TempDir::new("redisconn");
    dir.write(
        "conn-Cache.yml",
        "kistype: conn\ncname: Cache\naddrs: 127.0.0.1:9092\ntype: kafka\n",
    );
    dir.write(
        "conn-Pair.yml",
        "kistype: conn\ncname: Pair\ntype: redis\naddrs: 127.0.0.1:1,127.0.0.1:2\n",
    );
    dir.write(
        "flow-Odd.yml",
        "kistype: flow\nstatus: 1\nflow_name: Odd\nflows:\n  - fname: Missing\n",
    );
    let output = demo(&["validate", dir.0.to_str().unwrap()], None);
    let d = dir.0.display();
    assert_run(
        &output,
        1,
        "",
        &format!(
            "{d}/conn-Cache.yml:2:8: conn `Cache` has `type: kafka`, which the command line cannot \
             make: it makes `type: memory` and `type: redis` connectors only; run flows that need \
             a kafka connector from your program, giving it to the pool with \
             `Pool::with_connector`\n{d}/conn-Pair.yml:2:8: conn `Pair` (`type: redis`): \
             `addrs: 127.0.0.1:1,127.0.0.1:2` names several servers, but a redis connector takes \
             one `host:port` (Redis Cluster is not supported)\n{d}/flow-Odd.yml:5:12: flow `Odd` \
             names function `Missing`, which is not registered\n"
        ),
    );
}

#[test]
fn a_file_with_a_bad_value_does_not_hold_back_the_registry_checks_of_the_others() {
    let dir = TempDir::new("shape");
    dir.write(
        "flow-A.yml",
        "kistype: flow\nstatus: yes\nflow_name: A\nflows:\n  - fname: VerifyStu\n",
    );
    dir.write(
        "flow-B.yml",
        "kistype: flow\nstatus: 1\nflow_name: B\nflows:\n  - fname: Missing\n",
    );
    let output = demo(&["validate", dir.0.to_str().unwrap()], None);
    let stderr = text(&output.stderr);
    let d = dir.0.display();
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{d}/flow-A.yml:2:9: ")),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        format!("{d}/flow-B.yml:5:12: flow `B` names function `Missing`, which is not registered")
    );
}

/// The issue's case: three bad values in one file, all reported, and another file's registry
/// check still made.
#[test]
fn validate_reports_every_bad_value_of_a_file_and_the_other_files_checks() {
    let dir = TempDir::new("values");
    dir.write(
        "flow-Bad.yml",
        "kistype: flow\nstatus: yes\nflow_name: [1, 2]\nflows:\n  - fname: VerifyStu\n    params: 12\n",
    );
    dir.write(
        "flow-Other.yml",
        "kistype: flow\nstatus: 1\nflow_name: Other\nflows:\n  - fname: NoSuchFunction\n",
    );
    let output = demo(&["validate", dir.0.to_str().unwrap()], None);
    let d = dir.0.display();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr).lines().collect::<Vec<_>>(),
        [
            format!("{d}/flow-Bad.yml:2:9: `status` must be 1 (run the flow) or 0 (switch it off)"),
            format!(
                "{d}/flow-Bad.yml:3:12: `flow_name` must be a single text value, not a list or mapping"
            ),
            format!("{d}/flow-Bad.yml:6:13: `params` must be a mapping of names to text values"),
            format!(
                "{d}/flow-Other.yml:5:12: flow `Other` names function `NoSuchFunction`, which is not registered"
            ),
        ]
    );
}

#[test]
fn validate_reports_every_problem_with_its_place() {
    let dir = TempDir::new("bad");
    dir.write(
        "flow-Bad.yml",
        "kistype: flow\nstatus: 1\nflow_name: Bad\nflows:\n  - fname: AvgStuScore\n  - fname: VerifyStu\n  - fname: Missing\n",
    );
    dir.write(
        "func-Typo.yml",
        "kistype: func\nfname: VerifyStu\nfmode: Save\nsource:\n  nme: x\n",
    );
    let output = demo(&["validate", dir.0.to_str().unwrap()], None);
    let d = dir.0.display();
    // A file that does not load does not hold back the registry checks of the others.
    assert_eq!(
        text(&output.stderr).lines().collect::<Vec<_>>(),
        [
            format!(
                "{d}/flow-Bad.yml:6:12: flow `Bad`: function `AvgStuScore` emits rows of type \
                 `kisflow_examples::StuAvg`, but the next function `VerifyStu` takes rows of type \
                 `kisflow_examples::StuScore`"
            ),
            format!(
                "{d}/flow-Bad.yml:7:12: flow `Bad` names function `Missing`, which is not registered"
            ),
            format!(
                "{d}/func-Typo.yml:2:8: func `VerifyStu` says `fmode: Save`, but the function is \
                 registered as Verify (at examples/kisflow_cli.rs:23:1); make them agree"
            ),
            format!(
                "{d}/func-Typo.yml:5:3: unknown key `nme`; did you mean `name`? expected one of \
                 name, must"
            ),
        ]
    );
    // With the key fixed, the rest is as before.
    dir.write(
        "func-Typo.yml",
        "kistype: func\nfname: VerifyStu\nfmode: Save\n",
    );
    let output = demo(&["validate", dir.0.to_str().unwrap()], None);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!(
                "{d}/flow-Bad.yml:6:12: flow `Bad`: function `AvgStuScore` emits rows of type \
                 `kisflow_examples::StuAvg`, but the next function `VerifyStu` takes rows of type \
                 `kisflow_examples::StuScore`"
            ),
            format!(
                "{d}/flow-Bad.yml:7:12: flow `Bad` names function `Missing`, which is not registered"
            ),
            format!(
                "{d}/func-Typo.yml:2:8: func `VerifyStu` says `fmode: Save`, but the function is \
                 registered as Verify (at examples/kisflow_cli.rs:23:1); make them agree"
            ),
        ]
    );
}

#[test]
fn run_prints_the_last_functions_rows_as_json_lines() {
    let dir = TempDir::new("run");
    let input = dir.write("rows.jsonl", ROWS);
    let output = demo(
        &["run", "AvgScores", "--input", input.to_str().unwrap()],
        None,
    );
    assert_run(
        &output,
        0,
        "{\"avg_score\":90.0,\"stu_id\":101}\n{\"avg_score\":76.66666666666667,\"stu_id\":102}\n",
        "",
    );
    // From standard input, through a YAML-composed flow whose params keep ids up to 500.
    let output = demo(&["run", "HonourRoll", "--config", CONF], Some(ROWS));
    assert_run(
        &output,
        0,
        "{\"avg_score\":90.0,\"stu_id\":101}\n{\"avg_score\":76.66666666666667,\"stu_id\":102}\n",
        "",
    );
    // A YAML flow that ends in branches: the first prints every average, the second the ones
    // of 88 or more (its YAML param), each sink in turn on its own copy of the trunk's rows.
    let output = demo(&["run", "ScoreReport", "--config", CONF], Some(ROWS));
    assert_run(
        &output,
        0,
        "stuid: [101], avg score: [90]\nstuid: [102], avg score: [76.66666666666667]\nhonour \
         roll: stuid: [101], avg score: [90]\n",
        "",
    );
    // A sink prints its own lines and emits nothing; YAML lowers max_id to 200 here.
    let output = demo(&["run", "CalStuAvgScore", "--config", CONF], Some(ROWS));
    assert_run(
        &output,
        0,
        "stuid: [101], avg score: [90]\nstuid: [102], avg score: [76.66666666666667]\n",
        "",
    );
}

#[test]
fn run_names_the_input_line_of_a_bad_row() {
    let dir = TempDir::new("badrow");
    let input = dir.write(
        "rows.jsonl",
        "{\"stu_id\":1,\"score_1\":1,\"score_2\":1,\"score_3\":1}\n{\"stu_id\":\"x\"}\n",
    );
    let output = demo(
        &["run", "AvgScores", "--input", input.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "{}:2: flow `AvgScores`: row 2 does not decode into `kisflow_examples::StuScore`, the \
             input of function `VerifyStu`: field `stu_id`: invalid type: string \"x\", expected \
             i64 at line 1 column 13; the row was not committed: {{\"stu_id\":\"x\"}}; no row \
             ran: `run` reads all of its input before it runs (with `--follow` it runs batches as \
             they come, with `--bad-rows skip` it goes on past bad rows)\n",
            input.display()
        )
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn run_numbers_a_bad_row_by_its_line_counting_blank_lines() {
    let dir = TempDir::new("badrow-blank");
    let input = dir.write(
        "rows.jsonl",
        "\n{\"stu_id\":1,\"score_1\":1,\"score_2\":1,\"score_3\":1}\n\n{\"stu_id\": 2, \"score_1\": \"two\"}\n",
    );
    let output = demo(
        &["run", "AvgScores", "--input", input.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let shown = text(&output.stderr);
    assert!(
        shown.starts_with(&format!(
            "{}:4: flow `AvgScores`: row 4 does not decode",
            input.display()
        )),
        "{shown}"
    );
    assert!(shown.contains("field `score_1`: invalid type"), "{shown}");
    assert!(
        shown.contains(r#"not committed: {"stu_id": 2, "score_1": "two"}; no row ran"#),
        "{shown}"
    );
}

#[test]
fn run_of_an_unknown_flow_lists_the_flows() {
    assert_run(
        &demo(&["run", "Nope"], Some("")),
        1,
        "",
        "no flow named \"Nope\" (registered flows: AvgScores, CalStuAvgScore); a flow written \
         only in YAML needs `--config DIR`\n",
    );
}

#[test]
fn run_of_a_misspelt_flow_says_which_one_was_meant() {
    assert_run(
        &demo(&["run", "AvgScore", "--config", CONF], Some("")),
        1,
        "",
        "no flow named \"AvgScore\" (registered flows: AvgScores, CalStuAvgScore, HonourRoll, \
         ScoreReport); did you mean `AvgScores`?\n",
    );
}

#[test]
fn rust_log_shows_kisflows_logs_on_standard_error() {
    let row = "{\"stu_id\":101,\"score_1\":100,\"score_2\":90,\"score_3\":80}\n";
    let output = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .args(["run", "AvgScores", "--input", "/dev/stdin"])
        .env("RUST_LOG", "kisflow=debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(row.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let logs = text(&output.stderr);
    assert!(
        logs.contains("DEBUG") && logs.contains("kisflow_run"),
        "{logs}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_kisflow-demo"))
        .arg("list")
        .env("RUST_LOG", "kisflow=loud")
        .output()
        .unwrap();
    assert!(
        text(&bad.stderr).starts_with("RUST_LOG=`kisflow=loud` is not a log filter"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn run_of_empty_input_says_that_nothing_ran() {
    assert_run(
        &demo(&["run", "AvgScores"], Some("\n\n")),
        0,
        "",
        "<stdin> holds no rows, so flow `AvgScores` did not run; give one JSON row per line\n",
    );
}

#[test]
fn export_writes_files_that_load_back_as_they_were() {
    let dir = TempDir::new("export");
    let out = dir.0.join("out");
    let output = demo(
        &[
            "export",
            "CalStuAvgScore",
            out.to_str().unwrap(),
            "--config",
            CONF,
        ],
        None,
    );
    let o = out.display();
    assert_run(
        &output,
        0,
        &format!(
            "{o}/flow-CalStuAvgScore.yaml\n{o}/func-VerifyStu.yaml\n{o}/func-AvgStuScore.yaml\n\
             {o}/func-PrintStuAvgScore.yaml\n"
        ),
        "",
    );
    // Only what is set: a function without settings is its name and mode.
    assert_eq!(
        std::fs::read_to_string(out.join("func-AvgStuScore.yaml")).unwrap(),
        "kistype: func\nfname: AvgStuScore\nfmode: Calculate\n"
    );
    // The export validates, and exporting it again writes the same bytes.
    assert_eq!(
        demo(&["validate", out.to_str().unwrap()], None)
            .status
            .code(),
        Some(0)
    );
    let again = dir.0.join("again");
    let output = demo(
        &[
            "export",
            "CalStuAvgScore",
            again.to_str().unwrap(),
            "--config",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    for file in [
        "flow-CalStuAvgScore.yaml",
        "func-VerifyStu.yaml",
        "func-AvgStuScore.yaml",
        "func-PrintStuAvgScore.yaml",
    ] {
        assert_eq!(read(&out.join(file)), read(&again.join(file)), "{file}");
    }
    assert!(read(&out.join("func-VerifyStu.yaml")).contains("retry_times: 1"));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn schema_is_json_with_the_kinds_and_the_function_names() {
    let output = demo(&["schema"], None);
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let kinds: Vec<&str> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kind| kind["title"].as_str().unwrap())
        .collect();
    // The examples build kisflow with the `schedule` feature, which adds its kind.
    assert_eq!(kinds, ["func", "flow", "conn", "global", "schedule"]);
    assert_eq!(
        schema["oneOf"][0]["properties"]["fname"]["enum"],
        serde_json::json!([
            "AvgStuScore",
            "PrintHonourRoll",
            "PrintStuAvgScore",
            "TopStudents",
            "VerifyStu"
        ])
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let output = demo(&["frobnicate"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("unrecognized subcommand 'frobnicate'"));
    assert_eq!(demo(&["--help"], None).status.code(), Some(0));
}

#[test]
fn list_does_not_need_the_connectors_that_running_needs() {
    let dir = TempDir::new("redis");
    dir.write(
        "conn.yml",
        // Port 1: nothing listens there, so a run cannot reach this Redis.
        "kistype: conn\ncname: Scores\ntype: redis\naddrs: 127.0.0.1:1\n",
    );
    dir.write(
        "func.yml",
        "kistype: func\nfname: AvgStuScore\nfmode: Calculate\noption:\n  cname: Scores\n",
    );
    let conf = dir.0.to_str().unwrap();
    let output = demo(&["list", "--config", conf], None);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).contains("  AvgScores: VerifyStu -> AvgStuScore\n"));
    let row = r#"{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}"#;
    assert_run(
        &demo(&["run", "AvgScores", "--config", conf], Some(row)),
        1,
        "",
        "connector \"Scores\" failed to initialise: cannot connect to redis at `127.0.0.1:1`: \
         Connection refused (os error 111)\n",
    );
}

#[test]
fn run_applies_the_global_files_metrics() {
    let dir = TempDir::new("global");
    for file in ["flow-CalStuAvgScore.yml", "func-VerifyStu.yml"] {
        let source = Path::new(CONF).join(file);
        dir.write(file, &std::fs::read_to_string(source).unwrap());
    }
    let global = "kistype: global\nprometheus_enable: true\nprometheus_listen: true\n";
    dir.write(
        "kis-flow.yml",
        &format!("{global}prometheus_serve: 127.0.0.1:0\n"),
    );
    let conf = dir.0.to_str().unwrap();
    let row = r#"{"stu_id":101,"score_1":100,"score_2":90,"score_3":80}"#;
    let output = demo(&["run", "CalStuAvgScore", "--config", conf], Some(row));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "stuid: [101], avg score: [90]\n");
    assert!(
        text(&output.stderr).starts_with("metrics at http://127.0.0.1:"),
        "{}",
        text(&output.stderr)
    );
    // A listener that cannot be had is the run's error, as it is for `serve`.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = busy.local_addr().unwrap();
    dir.write(
        "kis-flow.yml",
        &format!("{global}prometheus_serve: {busy}\n"),
    );
    let output = demo(&["run", "CalStuAvgScore", "--config", conf], Some(row));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with(&format!("cannot serve metrics at `{busy}`")),
        "{}",
        text(&output.stderr)
    );
}
