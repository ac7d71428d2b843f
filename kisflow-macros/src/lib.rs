//! Implementation detail of the `kisflow` crate: the `#[kis_function]` attribute and the `flow!`
//! macro. Depend on `kisflow`, which re-exports both.

#![forbid(unsafe_code)]

mod errors;
mod flow;
mod kis_function;
mod krate;
mod param;
mod respan;
mod type_text;

use proc_macro::TokenStream;

/// Registers a handler as a kisflow function.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Calculate", name = "AvgScore")]
/// async fn avg_score(rows: Vec<[i64; 3]>) -> kisflow::Result<Vec<f64>> {
///     Ok(rows.iter().map(|s| s.iter().sum::<i64>() as f64 / 3.0).collect())
/// }
/// ```
///
/// The handler is an `async fn` or a plain `fn`. It takes an optional `ctx: &FlowCtx` and then one
/// batch of rows, `rows: Vec<In>`. It returns `kisflow::Result<Vec<Out>>` or `Vec<Out>`, or, for a
/// sink that emits nothing, `kisflow::Result<()>` or `()`. Any error type that converts into
/// `Box<dyn Error + Send + Sync>` may stand in for `kisflow::Error`.
///
/// The handler stays an ordinary function you can call and unit-test. Next to it the attribute
/// declares a type of the same name (types and functions live apart in Rust) that implements
/// `kisflow::KisFunction`; `flow!` names functions through it. Each function is registered, so
/// `kisflow::registry()` lists it.
///
/// # Arguments
///
/// Arguments are separated by commas, in any order, each at most once.
///
/// - **`mode = "…"`** (required): what the function does, one of `"Verify"`, `"Save"`, `"Load"`,
///   `"Calculate"`, `"Expand"` (the `fmode` of its YAML).
/// - **`name = "…"`**: the name the registry and YAML use; the handler's own name by default.
///
///   ```
///   # use kisflow::prelude::*;
///   #[kis_function(mode = "Verify", name = "VerifyStu")]
///   fn verify_stu(rows: Vec<i64>) -> Vec<i64> {
///       rows.into_iter().filter(|score| (0..=100).contains(score)).collect()
///   }
///   assert_eq!(<verify_stu as KisFunction>::INFO.name(), "VerifyStu");
///   ```
///
/// - **`params(key = value, …)`**: default params, which the handler reads with `FlowCtx::param`.
///   Values are string, number or boolean literals and are kept as text; a flow or YAML may
///   override them.
///
///   ```
///   # use kisflow::prelude::*;
///   #[kis_function(mode = "Calculate", params(factor = "1.5", round = true))]
///   fn scale(ctx: &FlowCtx, rows: Vec<f64>) -> Vec<f64> {
///       let factor: f64 = ctx.param("factor").unwrap_or("1").parse().unwrap_or(1.0);
///       rows.into_iter().map(|x| x * factor).collect()
///   }
///   assert_eq!(<scale as KisFunction>::INFO.params(), [("factor", "1.5"), ("round", "true")]);
///   ```
///
///   A param may declare its type, `key: Type = value`, for any `Type: FromStr`: the handler reads
///   it with `FlowCtx::param_as::<Type>`, a number or boolean default must be a value of the type
///   (`max_qty: u32 = -1` does not compile), and a value that does not parse, given in YAML (a
///   func's `default_params`, a flow's `params`) or in a `flow!`, is a load error of the pool at
///   its file and line, so `kisflow validate` reports it before anything runs.
///
///   ```
///   # use kisflow::prelude::*;
///   #[kis_function(mode = "Verify", params(max_qty: u32 = 100))]
///   fn small(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
///       let max = ctx.param_as::<u32>("max_qty")?;
///       Ok(rows.into_iter().filter(|q| *q <= max).collect())
///   }
///   assert_eq!(<small as KisFunction>::INFO.param_type("max_qty").unwrap().type_name(), "u32");
///   ```
///
/// - **`conn = "cname"`**: binds the function to the connector with that `cname`; the handler
///   reaches it with `FlowCtx::connector`, and a flow holding the function must be given it.
///
///   ```
///   # use kisflow::prelude::*;
///   use kisflow::MemoryKv;
///
///   #[kis_function(mode = "Save", conn = "ScoreCache")]
///   fn save(ctx: &FlowCtx, rows: Vec<(String, i64)>) -> kisflow::Result<()> {
///       let kv = ctx.connector()?.client::<MemoryKv>()?;
///       for (name, score) in rows {
///           kv.hset(name, "score", score.to_string())?;
///       }
///       Ok(())
///   }
///   assert_eq!(<save as KisFunction>::INFO.conn(), Some("ScoreCache"));
///   ```
///
/// - **`actions(data_reuse, jump)`**: the actions that change which rows later functions see, which
///   a function must declare before taking them. With `data_reuse` the function may hand its input
///   on instead of its output (`FlowCtx::data_reuse`), so its input and output row types must be the
///   same `Clone` type (`kisflow::ReusableAs`). With `jump` it may send the run back to another
///   function (`FlowCtx::jump_func`), so every input row type of a flow holding it must be `Clone`
///   (`kisflow::CloneForJump`). `abort` and `force_entry_next` need no declaration.
///
///   ```
///   # use kisflow::prelude::*;
///   #[kis_function(mode = "Verify", actions(data_reuse))]
///   fn check(ctx: &FlowCtx, rows: Vec<i64>) -> kisflow::Result<Vec<i64>> {
///       if rows.iter().all(|n| *n >= 0) {
///           ctx.data_reuse()?; // pass the input on unchanged
///       }
///       Ok(Vec::new())
///   }
///   ```
///
/// - **`crate = path`**: where the generated code finds kisflow, for crates that depend on it
///   under another name or reach it through a re-export; `::kisflow` by default. The path is
///   written without quotes and resolved where the attribute is, like any path in your code. Give
///   `flow!` the same path (`flow!(crate = path; …)`).
///
///   ```
///   mod runtime {
///       pub use kisflow as engine; // say, a framework crate re-exporting kisflow
///   }
///
///   #[runtime::engine::kis_function(mode = "Calculate", crate = runtime::engine)]
///   fn double(rows: Vec<i64>) -> Vec<i64> {
///       rows.into_iter().map(|n| n * 2).collect()
///   }
///   ```
///
/// Mistakes are compile errors at the token that is wrong:
///
/// ```compile_fail
/// # use kisflow::prelude::*;
/// #[kis_function(mode = "Calc")]
/// fn double(rows: Vec<i64>) -> Vec<i64> { rows }
/// ```
///
/// ```text
/// error: unknown mode "Calc", expected one of "Verify", "Save", "Load", "Calculate", "Expand"
///  --> src/main.rs:2:23
///   |
/// 2 | #[kis_function(mode = "Calc")]
///   |                       ^^^^^^
/// ```
#[proc_macro_attribute]
pub fn kis_function(args: TokenStream, item: TokenStream) -> TokenStream {
    kis_function::expand(args.into(), item.into()).into()
}

/// Declares a flow: a named pipeline of `#[kis_function]`s whose row types the compiler checks.
///
/// ```
/// use kisflow::prelude::*;
///
/// #[kis_function(mode = "Verify")]
/// fn valid(rows: Vec<i64>) -> Vec<i64> {
///     rows.into_iter().filter(|n| *n >= 0).collect()
/// }
///
/// #[kis_function(mode = "Calculate")]
/// fn scale(ctx: &FlowCtx, rows: Vec<i64>) -> Vec<f64> {
///     let factor: f64 = ctx.param("factor").unwrap_or("1").parse().unwrap_or(1.0);
///     rows.into_iter().map(|n| n as f64 * factor).collect()
/// }
///
/// #[kis_function(mode = "Expand")]
/// fn print(rows: Vec<f64>) {
///     println!("{rows:?}");
/// }
///
/// flow!(
///     /// Scales the valid numbers by ten.
///     ScaleByTen: valid -> scale(factor = "10") -> print
/// );
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> kisflow::Result<()> {
/// let mut flow = ScaleByTen::new();
/// flow.commit_batch([-1, 2, 3])?;
/// flow.run().await?; // [20.0, 30.0]
/// # Ok(())
/// # }
/// ```
///
/// Syntax: `flow!(Name: f -> g -> h)`, or with branches at the end, `flow!(Name: f -> [g -> h, k])`
/// (see **Branches** below), optionally with `crate = path;` first (see below), and doc
/// comments and a visibility before the name.
///
/// **Visibility.** The flow's type is private to its module, as a `struct` is, unless written
/// `flow!(pub Name: …)`: a library that declares its flows in `lib.rs` for its binary (or its
/// tests) to run writes `pub`. The first function of a `pub` flow must be `pub` too, since the
/// flow's input row type is that function's; otherwise the compiler says "private type in public
/// interface". Using a private flow from another module is ``error[E0603]: struct `Name` is
/// private``.
///
/// ```
/// mod flows {
///     use kisflow::prelude::*;
///
///     #[kis_function(mode = "Expand")]
///     pub fn print(rows: Vec<u32>) {
///         println!("{rows:?}");
///     }
///
///     flow!(pub Orders: print);
/// }
///
/// let mut flow = flows::Orders::new();
/// flow.commit(7).unwrap();
/// ```
///
/// Functions may be named by path (`stages::avg`) and take params in parentheses,
/// `f(key = "value", other = 3)`; a handler reads them with `FlowCtx::param`. The same function may
/// appear twice with different params.
///
/// `flow!` declares a type `Name` with `Name::new() -> kisflow::Flow<Name>` and registers the flow,
/// so `kisflow::registry()?.flow("Name")` makes a fresh instance by name.
///
/// A crate that reaches kisflow under another name, say through a re-export, says where with
/// `crate = path;` before everything else (`::kisflow` by default), as `#[kis_function]` does with
/// its `crate = path` argument:
///
/// ```
/// mod runtime {
///     pub use kisflow as engine; // say, a framework crate re-exporting kisflow
/// }
/// use runtime::engine::{flow, kis_function};
///
/// #[kis_function(mode = "Expand", crate = runtime::engine)]
/// fn print(rows: Vec<i64>) {
///     println!("{rows:?}");
/// }
///
/// flow!(crate = runtime::engine; Printing: print);
/// ```
///
/// When one function's output row type is not the next one's input row type, the compiler reports
/// that edge, at the second function:
///
/// ```compile_fail
/// # use kisflow::prelude::*;
/// #[kis_function(mode = "Calculate")]
/// fn count(rows: Vec<String>) -> Vec<usize> { vec![rows.len()] }
/// #[kis_function(mode = "Expand")]
/// fn print_text(rows: Vec<String>) { println!("{rows:?}") }
/// flow!(Broken: count -> print_text);
/// ```
///
/// ```text
/// error[E0277]: function `count` emits rows of type `usize`, but the next function `print_text` takes rows of type `String`
///  --> src/main.rs:6:25
///   |
/// 6 | flow!(Broken: count -> print_text);
///   |                        ^^^^^^^^^^ `print_text` takes `String` rows, but `count` emits `usize` rows
/// ```
///
#[doc = include_str!("flow/branches.md")]
#[proc_macro]
pub fn flow(input: TokenStream) -> TokenStream {
    flow::expand(input.into()).into()
}
