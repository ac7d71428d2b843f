//! Implementation detail of the `kisflow` crate: the `#[kis_function]` attribute and the `flow!`
//! macro. Depend on `kisflow`, which re-exports both.

#![forbid(unsafe_code)]

mod errors;
mod flow;
mod kis_function;
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
/// Arguments:
/// - `mode` (required): one of `"Verify"`, `"Save"`, `"Load"`, `"Calculate"`, `"Expand"`.
/// - `name` (optional): the name the registry and YAML use; the handler's own name by default.
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
/// Syntax: `flow!(Name: f -> g -> h)`, optionally with doc comments and a visibility before the name
/// (`flow!(pub Name: …)`; the functions of a `pub` flow must be `pub` too, since its input row type is
/// its first function's).
/// Functions may be named by path (`stages::avg`) and take params in parentheses,
/// `f(key = "value", other = 3)`; a handler reads them with `FlowCtx::param`. The same function may
/// appear twice with different params.
///
/// `flow!` declares a type `Name` with `Name::new() -> kisflow::Flow<Name>` and registers the flow,
/// so `kisflow::registry()?.flow("Name")` makes a fresh instance by name.
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
#[proc_macro]
pub fn flow(input: TokenStream) -> TokenStream {
    flow::expand(input.into()).into()
}
