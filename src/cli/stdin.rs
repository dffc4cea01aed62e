//! Reading stdin whole, in as few `read` calls as the kernel allows.
//!
//! `Read::read_to_end` on stdin knows no size: it starts with a 32-byte
//! probe and doubles from there, 11 reads for a 13 KB file and 19 for the
//! 5 MB corpus (`strace -e trace=read`). Here a regular file on stdin
//! (`pullthrough < x.yaml`, Helm's and Argo CD's temporary files) is sized
//! with `fstat` and read in one read and the read that sees the end; a pipe
//! is read in chunks of at least 64 KiB, a pipe's default capacity, so each
//! read takes all the writer has put in.

use std::io;

use rustix::io::Errno;

/// The first buffer for a pipe or a terminal, whose size `fstat` does not
/// give: Linux's default pipe capacity.
const PIPE_CHUNK: usize = 64 * 1024;

/// All of stdin. A closed stdin reads as empty, as the standard library's
/// `Stdin` has it.
pub fn read_all() -> io::Result<Vec<u8>> {
    let stdin = io::stdin();
    // One byte more than the file, so that the read which finds the end
    // needs no bigger buffer. A file that grows while it is read still
    // works: the buffer grows below.
    let sized = regular_file_size(&stdin);
    // Zeroed, because reading into uninitialised memory needs `unsafe`; a
    // large zeroed allocation is fresh pages from the kernel, so the
    // zeroing costs next to nothing.
    let mut buf = vec![0; sized.map_or(PIPE_CHUNK, |n| n.saturating_add(1))];
    let mut len = 0;
    loop {
        // A pipe gets at least a pipe's worth of room for every read.
        let room = if sized.is_some() { 1 } else { PIPE_CHUNK };
        if buf.len() - len < room {
            buf.resize((len * 2).max(len + room), 0);
        }
        // The file descriptor itself, not `Stdin`'s 8 KiB buffer, which
        // would split the reads of a pipe.
        match rustix::io::read(&stdin, &mut buf[len..]) {
            Ok(0) | Err(Errno::BADF) => break,
            Ok(n) => len += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    buf.truncate(len);
    Ok(buf)
}

/// The size of stdin when it is a regular file, else `None` (a pipe, a
/// terminal, a socket, a closed stdin).
fn regular_file_size(stdin: &impl std::os::fd::AsFd) -> Option<usize> {
    let stat = rustix::fs::fstat(stdin).ok()?;
    let file = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    (file == rustix::fs::FileType::RegularFile)
        .then(|| usize::try_from(stat.st_size).ok())
        .flatten()
}
