//! sandoq's benchmarks: measurements, not tests. Each binary in `src/bin/` builds its data,
//! serves the real application in-process on 127.0.0.1, drives it over keep-alive HTTP/1.1 and
//! prints its figures as JSON on standard output (progress goes to standard error).
//!
//! Every loop here is bounded in count and in time.

/// The server's allocator, as in the `sandoq` binary: the benchmarks serve the application
/// in-process, so they must measure it with the allocator it runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod client;
pub mod facts;
pub mod fixture;
pub mod load;
pub mod pg;
pub mod server;
pub mod store_calls;
pub mod wrk;
