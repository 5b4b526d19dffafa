//! The lottery: a winner drawn from a published seed and the entrants, so that anyone can recompute it.

use super::*;

/// A lottery among eligible members that anyone can recompute: the winner is entrant
/// `SHA-256("abadi-lottery-v1" ‖ seed ‖ sorted entrant ids) mod n`, in ascending id order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotteryDraw {
    pub seed: String,
    pub entrants: Vec<i64>,
    pub digest_hex: String,
    pub winner: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LotteryError {
    #[error("no member is eligible: there is nobody to draw")]
    NoEntrants,
    #[error("the seed is empty: record what was said aloud at the meeting, such as the date and three words")]
    EmptySeed,
}

pub fn draw_lottery(seed: &str, entrants: &[i64]) -> Result<LotteryDraw, LotteryError> {
    if seed.trim().is_empty() {
        return Err(LotteryError::EmptySeed);
    }
    let mut sorted = entrants.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return Err(LotteryError::NoEntrants);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"abadi-lottery-v1\0");
    hasher.update((seed.len() as u64).to_le_bytes());
    hasher.update(seed.as_bytes());
    for id in &sorted {
        hasher.update(id.to_le_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let index = (u128::from_be_bytes(first) % sorted.len() as u128) as usize;
    let digest_hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(LotteryDraw { seed: seed.to_string(), winner: sorted[index], entrants: sorted, digest_hex })
}
