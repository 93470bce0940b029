//! Man pages generated from the clap definitions: `man/ctune.1` and one page per command.
//! The committed files are checked by a test; `CTUNE_BLESS=1 cargo test` rewrites them.

use super::args::Cli;
use clap::CommandFactory;

/// `(file name, roff)` for the top page and every subcommand.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let mut render = |c: clap::Command, file: String| {
        let mut buf = Vec::new();
        // Rendering into a Vec cannot fail.
        let _ = clap_mangen::Man::new(c).render(&mut buf);
        out.push((file, buf));
    };
    for sub in cmd.get_subcommands() {
        let name = format!("ctune-{}", sub.get_name());
        render(
            sub.clone()
                .name(name.clone())
                .version(env!("CARGO_PKG_VERSION")),
            format!("{name}.1"),
        );
    }
    render(cmd, "ctune.1".to_owned());
    out
}
