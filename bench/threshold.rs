//! Where cutting a stream for two threads starts to pay: the rewrite of
//! prefixes of the corpus (cut at a `---` line) from 16 KiB to 4 MiB, on one
//! thread and cut into two parts, in the same process, alternating, with the
//! median of each. `Threads::MIN_BYTES` is the smallest size where two
//! threads win clearly.
//!
//! ```sh
//! cargo bench --bench threshold            # [-- ROUNDS]
//! ```

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use pullthrough::rules::Rules;
use pullthrough::{Config, Threads, rewrite_with};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(31);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("testdata/corpus"))
        .expect("testdata/corpus")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut whole = Vec::new();
    for f in files {
        whole.extend_from_slice(b"---\n");
        whole.extend(std::fs::read(f).unwrap());
    }
    let config = Config::new(Rules::new(
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com".into(),
        "docker-hub".into(),
    ));
    let one = Threads::ONE;
    let two = Threads {
        count: NonZeroUsize::new(2).unwrap(),
        min_bytes: 0,
    };
    println!("{rounds} rounds, medians; two threads cut the stream in two at a --- line");
    println!(
        "{:>9}  {:>10}  {:>10}  {:>6}",
        "bytes", "1 thread", "2 threads", "ratio"
    );
    let mut size = 16 * 1024;
    while size <= 4 * 1024 * 1024 && size < whole.len() {
        // The prefix up to the first `---` line at or after `size`.
        let end = whole[size..]
            .windows(4)
            .position(|w| w == b"\n---")
            .map_or(whole.len(), |i| size + i + 1);
        let input = &whole[..end];
        let time = |threads: Threads| {
            let start = Instant::now();
            let out = rewrite_with(input, &config, threads).expect("the corpus rewrites");
            std::hint::black_box(out);
            start.elapsed()
        };
        let (mut t1, mut t2) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            t1.push(time(one));
            t2.push(time(two));
        }
        let (m1, m2) = (median(&mut t1), median(&mut t2));
        println!(
            "{:>9}  {:>8.3}ms  {:>8.3}ms  {:>6.2}",
            input.len(),
            m1.as_secs_f64() * 1e3,
            m2.as_secs_f64() * 1e3,
            m1.as_secs_f64() / m2.as_secs_f64()
        );
        size *= 2;
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
