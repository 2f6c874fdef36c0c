//! The seeded random stream: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
//! generators", 2014). Tiny, fast and fully specified, so the same seed gives the same data on every
//! platform and in every release of this crate, which a dependency's RNG does not promise.

/// Each resource type draws from its own stream, so asking for more appointments leaves the
/// patients and practitioners of a seed unchanged.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Practitioner = 1,
    Patient = 2,
    Schedule = 3,
    Slot = 4,
    Appointment = 5,
    Encounter = 6,
    /// Simulated scheduling activity after the data was generated (`/__admin/…/simulate`).
    Activity = 7,
    /// Seeded fault rules (`probability` + `seed`).
    Faults = 8,
    /// Each location's type, physical type and address (R4 Location).
    Location = 9,
    /// Which appointments are messy (`[tenants.synthetic.mess]`).
    Mess = 10,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// The stream of `stream` for `seed`; the start state is mixed so that nearby seeds and
    /// streams do not share long runs of output.
    pub(crate) fn new(seed: u64, stream: Stream) -> Self {
        let start = mix(seed ^ mix((stream as u64).wrapping_mul(GOLDEN_GAMMA)));
        Rng(start)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        mix(self.0)
    }

    /// A value in `0..n` (0 when `n` is 0), by Lemire's multiply-shift: one multiplication and
    /// a bias of at most n / 2^64, far below anything the data could show.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` items (0 when empty: callers index non-empty tables).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
