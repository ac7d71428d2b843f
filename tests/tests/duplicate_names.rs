//! Two functions under one name make the registry fail, naming both; nothing is overridden.

use kisflow::prelude::*;

mod school {
    use kisflow::prelude::*;

    #[kis_function(mode = "Calculate", name = "Average")]
    pub(crate) fn average(rows: Vec<f64>) -> Vec<f64> {
        rows
    }
}

mod sales {
    use kisflow::prelude::*;

    #[kis_function(mode = "Calculate", name = "Average")]
    pub(crate) fn mean(rows: Vec<f64>) -> Vec<f64> {
        rows
    }
}

#[kis_function(mode = "Expand")]
fn print(_rows: Vec<f64>) {}

flow!(UsesBoth: school::average -> sales::mean -> print);

#[test]
fn the_registry_reports_both_registrations_every_time() {
    for _ in 0..2 {
        let err = kisflow::registry().unwrap_err().to_string();
        assert!(
            err.starts_with(
                "function name \"Average\" is registered twice: by `duplicate_names::sales::mean` \
                 (tests/tests/duplicate_names.rs:"
            ),
            "{err}"
        );
        assert!(
            err.contains(
                "and by `duplicate_names::school::average` (tests/tests/duplicate_names.rs:"
            ),
            "{err}"
        );
        assert!(err.ends_with("give one of them another name"), "{err}");
    }
}

#[tokio::test]
async fn flow_types_still_run_without_the_registry() {
    // A flow declared in code names its functions by path, so it never looks a name up.
    let mut flow = UsesBoth::new();
    flow.commit(1.5).unwrap();
    flow.run().await.unwrap();
}
