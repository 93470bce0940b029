//! The `ctune` binary: everything is in the library; see `ctune::cli`.

#[global_allocator]
static ALLOC: ctune::arena::Arena = ctune::arena::Arena::new();

fn main() {
    std::process::exit(ctune::cli::main());
}
