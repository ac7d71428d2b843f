//! Checking a [`Config`] against the functions and flows the program registered: every problem
//! at once, each at the YAML place it concerns.

use crate::config::{Config, Place, PlaceKey, Problem};
use crate::function::FunctionInfo;
use crate::registry::Registry;

mod flow;

use flow::check_flow;

/// Every problem of `config` against `registry`. A `partial` config lacks the items of files
/// that did not load, so a reference to a connector it lacks may point into one of them, and is
/// not reported: that file's own problem is.
pub(crate) fn problems(config: &Config, registry: &Registry, partial: bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    for func in config.funcs() {
        let place = config.place(&PlaceKey::Func(func.fname.clone())).cloned();
        match registry.function(&func.fname) {
            Err(_) => problems.push(Problem {
                place,
                message: format!(
                    "func `{}` is not a registered function: YAML configures functions written \
                     with #[kis_function], it cannot define new ones{}",
                    func.fname,
                    suggestion(&func.fname, registry.functions().map(FunctionInfo::name))
                ),
            }),
            Ok(info) if info.mode() != func.fmode => problems.push(Problem {
                place,
                message: format!(
                    "func `{}` says `fmode: {}`, but the function is registered as {} (at {}); \
                     make them agree",
                    func.fname,
                    func.fmode,
                    info.mode(),
                    info.location()
                ),
            }),
            Ok(info) => {
                let params = func.option.default_params.iter();
                let what = format!("func `{}`", func.fname);
                check_params(info, params, &what, place.as_ref(), &mut problems);
            }
        }
        if let Some(cname) = &func.option.cname
            && !partial
            && config.conn(cname).is_none()
        {
            problems.push(Problem {
                place: config.place(&PlaceKey::Func(func.fname.clone())).cloned(),
                message: format!(
                    "func `{}` uses connector `{cname}`, which no `kistype: conn` file declares{}",
                    func.fname,
                    suggestion(cname, config.conns().map(|c| c.cname.as_str()))
                ),
            });
        }
    }
    for flow in config.flows() {
        check_flow(config, registry, flow, &mut problems);
    }
    for function in registry.functions() {
        // A default the compiler could not check: text, or a number out of the type's range.
        let what = format!("`#[kis_function]` `{}`", function.name());
        let defaults = function.params().iter().copied();
        check_params(function, defaults, &what, None, &mut problems);
    }
    for flow in registry.flows() {
        for stage in flow.stages() {
            let what = format!("flow `{}` (at {})", flow.name(), flow.location());
            check_params(stage.function(), stage.params(), &what, None, &mut problems);
        }
    }
    problems.extend(unlinked(config, registry));
    problems
}

/// Each of `params` that `function` declared with a type must parse as it: `what` (a func file,
/// a YAML flow or a `flow!`) gives a value the handler could only fail on, or misread.
pub(super) fn check_params<K: AsRef<str>, V: AsRef<str>>(
    function: &FunctionInfo,
    params: impl Iterator<Item = (K, V)>,
    what: &str,
    place: Option<&Place>,
    problems: &mut Vec<Problem>,
) {
    for (key, value) in params {
        let (key, value) = (key.as_ref(), value.as_ref());
        let Some(declared) = function.param_type(key) else {
            continue;
        };
        if declared.accepts(value) {
            continue;
        }
        problems.push(Problem {
            place: place.cloned(),
            message: format!(
                "{what} gives param `{key}` of function `{}` the value \"{}\", which is not a \
                 `{}` as the function declares (`params({key}: {})` at {}); give a `{}`",
                function.name(),
                crate::error::excerpt(value),
                declared.type_name(),
                declared.type_name(),
                function.location(),
                declared.type_name()
            ),
        });
    }
}

/// The remedy for a program that links none of the functions its config names, said once
/// (without a place, it comes first): a crate of functions that the binary never names is
/// dropped by the linker, and its functions with it.
fn unlinked(config: &Config, registry: &Registry) -> Option<Problem> {
    let mut named: Vec<&str> = config.funcs().map(|f| f.fname.as_str()).collect();
    named.extend(
        config
            .flows()
            .flat_map(|f| f.entries().map(|e| e.fname.as_str())),
    );
    named.sort_unstable();
    named.dedup();
    let registered = registry.functions().count();
    // One unknown name among registered functions is likelier a typo, which its own problem
    // already names, with a "did you mean".
    if named.is_empty()
        || (registered > 0 && named.len() < 2)
        || named.iter().any(|name| registry.function(name).is_ok())
    {
        return None;
    }
    let found = if registered == 0 {
        "this program registers no #[kis_function] at all".to_owned()
    } else {
        format!(
            "this program registers {}, none of them named in the config",
            count(registered, "function")
        )
    };
    Some(Problem {
        place: None,
        message: format!(
            "none of the {} the config names is registered: {found}; if they are written in \
             another crate, name that crate in the binary (`use my_functions as _;` in its \
             `main.rs`), or the linker leaves its functions out",
            count(named.len(), "function")
        ),
    })
}

/// `1 function`, `2 functions`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `; did you mean `x`?` when a known name is close to `name`.
pub(crate) fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    let length = name.chars().count();
    known
        // Lengths further apart than the allowed distance cannot match: no search for those.
        .filter(|candidate| {
            length.abs_diff(candidate.chars().count()) <= 2.max(candidate.len() / 3)
        })
        .map(|candidate| (crate::config::distance(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min()
        .map(|(_, candidate)| format!("; did you mean `{candidate}`?"))
        .unwrap_or_default()
}

// The crate's own tests register functions (`checks.rs`) only with the macros.
#[cfg(all(test, feature = "macros"))]
mod tests {
    use super::*;

    fn config(yaml: &str) -> Config {
        Config::load_str("flow-Orders.yml", yaml).unwrap()
    }

    const ORDERS: &str =
        "kistype: flow\nstatus: 1\nflow_name: Orders\nflows:\n  - fname: check\n  - fname: save\n";

    #[test]
    fn a_program_without_functions_is_told_to_link_its_crate_of_functions() {
        let problems = problems(&config(ORDERS), &Registry::default(), false);
        let shown = shown(problems);
        assert_eq!(
            shown[0],
            "none of the 2 functions the config names is registered: this program registers no \
             #[kis_function] at all; if they are written in another crate, name that crate in the \
             binary (`use my_functions as _;` in its `main.rs`), or the linker leaves its \
             functions out"
        );
        assert_eq!(shown.len(), 3, "{shown:#?}");
    }

    #[test]
    fn a_program_whose_functions_are_all_other_ones_is_told_too() {
        let registry = crate::registry().unwrap();
        let problems = problems(&config(ORDERS), registry, false);
        assert!(shown(problems)[0].starts_with(&format!(
            "none of the 2 functions the config names is registered: this program registers {} \
                 functions, none of them named in the config;",
            registry.functions().count()
        )));
    }

    #[test]
    fn a_config_naming_one_registered_function_gets_no_such_remedy() {
        let registry = crate::registry().unwrap();
        let name = registry.functions().next().unwrap().name();
        let yaml = format!(
            "kistype: flow\nstatus: 1\nflow_name: Orders\nflows:\n  - fname: {name}\n  - fname: nope\n"
        );
        let shown = shown(problems(&config(&yaml), registry, false));
        assert!(
            shown.iter().all(|line| !line.contains("use my_functions")),
            "{shown:#?}"
        );
    }

    /// The problems as `Pool::new` prints them, sorted.
    fn shown(problems: Vec<Problem>) -> Vec<String> {
        crate::config::ConfigErrors::from_problems(problems)
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}
