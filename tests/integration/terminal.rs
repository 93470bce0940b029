//! Output for a person under a real pseudo-terminal: no line wider than the terminal (its
//! width read from the terminal itself, not from $COLUMNS, which bash does not export), and
//! colour on or off as `--color`, NO_COLOR and TERM=dumb say (CLICOLOR_FORCE does not).

use crate::common::{bin_path, repo};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

/// Run ctune with its standard input, output and error on a new pseudo-terminal of `cols`
/// columns; what the terminal received, with the terminal's CR LF turned back into LF.
fn on_pty(cols: u16, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    let size = libc::winsize {
        ws_row: 40,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors into the ints we pass; the name and termios
    // pointers may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and are owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = Command::new(bin_path());
    cmd.args(args)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stdout(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave.try_clone().expect("dup")));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run ctune");
    drop(cmd);
    drop(slave);
    // Read until the last copy of the slave closes (EIO on Linux): the output is complete.
    let mut out = Vec::new();
    let mut f = std::fs::File::from(master);
    let mut buf = [0u8; 8192];
    loop {
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    let status = child.wait().expect("wait");
    let _ = f.as_raw_fd();
    let text = String::from_utf8_lossy(&out).replace("\r\n", "\n");
    assert!(status.success(), "ctune {args:?}: {status}\n{text}");
    text
}

/// Display columns of a line: escapes removed, a character one column (the output holds no
/// wide characters; box drawing is one column).
fn columns(line: &str) -> usize {
    let mut n = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

fn fixture() -> String {
    repo()
        .join("tests/fixtures/v2-k8s-cgroupns")
        .display()
        .to_string()
}

fn commands() -> Vec<Vec<String>> {
    let root = fixture();
    let mut out = Vec::new();
    for base in [vec![], vec!["--root".to_owned(), root]] {
        for cmd in [
            &["report"][..],
            &["jvm"],
            &["jvm", "--profile", "spark-executor"],
            &["doctor"],
            &["profiles"],
            &["profiles", "show", "spark-executor"],
            &["profiles", "show", "default"],
        ] {
            let mut v = base.clone();
            v.extend(cmd.iter().map(|s| s.to_string()));
            out.push(v);
        }
    }
    out
}

#[test]
fn no_line_wider_than_the_terminal() {
    for cols in [80u16, 60] {
        for args in commands() {
            let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
            let text = on_pty(cols, &args, &[]);
            assert!(text.lines().count() > 2, "{args:?}: {text}");
            for l in text.lines() {
                assert!(
                    columns(l) <= cols as usize,
                    "{cols} columns, ctune {args:?}: {} columns:\n{l}\n\n{text}",
                    columns(l)
                );
            }
        }
    }
}

#[test]
fn a_wide_terminal_is_used() {
    // The report's table grows with the terminal (up to 120 columns) instead of a fixed 100.
    let root = fixture();
    let text = on_pty(110, &["--root", &root, "report"], &[]);
    let widest = text.lines().map(columns).max().unwrap_or(0);
    assert!(widest > 100 && widest <= 110, "{widest}: {text}");
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let root = fixture();
    let doctor = ["--root", root.as_str(), "doctor"];
    let coloured = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = doctor.to_vec();
        args.extend_from_slice(extra);
        on_pty(80, &args, env).contains('\x1b')
    };
    assert!(coloured(&[], &[]), "a terminal gets colour");
    assert!(!coloured(&[], &[("NO_COLOR", "1")]), "NO_COLOR");
    assert!(!coloured(&[], &[("TERM", "dumb")]), "TERM=dumb");
    // anstream's own rule colours a dumb terminal on CI; the contract does not.
    assert!(
        !coloured(&[], &[("TERM", "dumb"), ("CI", "true")]),
        "TERM=dumb on CI"
    );
    assert!(!coloured(&["--color", "never"], &[]), "--color never");
    assert!(
        coloured(&["--color", "always"], &[("NO_COLOR", "1")]),
        "--color always beats NO_COLOR"
    );
    // Not a terminal: no colour, unless forced.
    let piped = |extra: &[&str], env: &[(&str, &str)]| {
        let mut c = crate::common::ctune();
        c.args(doctor)
            .args(extra)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().expect("run ctune");
        assert!(o.status.success());
        o.stdout.contains(&0x1b)
    };
    assert!(!piped(&[], &[]), "a pipe gets no colour");
    // The contract's auto colours only a terminal: CLICOLOR_FORCE does not make a pipe one.
    assert!(!piped(&[], &[("CLICOLOR_FORCE", "1")]), "CLICOLOR_FORCE");
    assert!(piped(&["--color=always"], &[]), "--color=always");
    // The same for jvm's headings.
    assert!(on_pty(80, &["--root", &root, "jvm"], &[]).contains("\x1b[1m"));
    assert!(!on_pty(80, &["--root", &root, "jvm"], &[("TERM", "dumb")]).contains('\x1b'));
}
