//! The committed man pages in `man/` are what the clap definitions generate. When this fails,
//! run `CTUNE_BLESS=1 cargo test --test integration man` and commit `man/`.

use crate::common::repo;
use std::fs;

#[test]
fn man_pages_are_current() {
    let dir = repo().join("man");
    let bless = std::env::var_os("CTUNE_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, roff) in ctune::cli::man::pages() {
        let path = dir.join(&name);
        if bless {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &roff).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(roff.as_slice()) {
            stale.push(name);
        }
    }
    assert!(stale.is_empty(), "stale man pages {stale:?}: run `CTUNE_BLESS=1 cargo test --test integration man` and commit man/");
}
