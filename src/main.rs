fn main() {
    std::process::exit(ctune::cli::main());
}
