use kisflow::prelude::*;

flow!(Nothing:);

fn main() {}
