//! `#[kis_function(mode = "…", name = "…", …)]`: parse the arguments and the handler, validate the
//! handler's shape, then expand to the handler, its registry type and its registration.

mod args;
mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use self::args::Args;
use self::parse::HandlerFn;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn = match syn::parse2::<HandlerFn>(item.clone()) {
        Ok(item_fn) => item_fn,
        // Not a function at all: keep the user's tokens so the rest of their code still resolves.
        Err(err) => return with_error(item, err),
    };
    let (args, args_checked) = Args::parse(args);
    let handler = validate::handler(&item_fn);
    match (args_checked, handler) {
        (Ok(()), Ok(handler)) => expand::expand(&item_fn, &args, &handler),
        (Err(err), Ok(handler)) => {
            // Expand with the stand-ins `Args::parse` put in place of the bad arguments, so code
            // that uses the function only sees the real error.
            let mut out = expand::expand(&item_fn, &args, &handler);
            out.extend(err.into_compile_error());
            out
        }
        (Ok(()), Err(err)) => with_error(item, err),
        (Err(mut err), Err(more)) => {
            err.combine(more);
            with_error(item, err)
        }
    }
}

/// The user's item unchanged plus the error, as tokio's macros do, so IDEs and follow-on code keep
/// working while the user fixes the attribute.
fn with_error(mut item: TokenStream, err: syn::Error) -> TokenStream {
    item.extend(err.into_compile_error());
    item
}
