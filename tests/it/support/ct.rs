//! An independent verifier for RFC 9162 inclusion and consistency proofs, written from the
//! recursive definitions in RFC 9162 §2.1.3 and §2.1.4 (the library uses the iterative
//! algorithms), so that a bug in one is not mirrored in the other.

use sha2::{Digest, Sha256};

pub type H = [u8; 32];

pub fn leaf(data: &[u8]) -> H {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node(l: &H, r: &H) -> H {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

fn split(n: u64) -> u64 {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Root implied by PATH(m, D[n]); the proof's last element is the top-level sibling.
fn path_root(m: u64, n: u64, leaf_hash: H, proof: &[H]) -> Option<H> {
    if n == 1 {
        return proof.is_empty().then_some(leaf_hash);
    }
    let (sibling, rest) = proof.split_last()?;
    let k = split(n);
    if m < k {
        Some(node(&path_root(m, k, leaf_hash, rest)?, sibling))
    } else {
        Some(node(sibling, &path_root(m - k, n - k, leaf_hash, rest)?))
    }
}

pub fn verify_inclusion(index: u64, size: u64, leaf_hash: H, proof: &[H], root: &H) -> bool {
    index < size && path_root(index, size, leaf_hash, proof).as_ref() == Some(root)
}

/// (hash of the old part, hash of the whole subtree) implied by SUBPROOF(m, D[n], b).
fn subproof(m: u64, n: u64, b: bool, proof: &mut Vec<H>, old_root: &H) -> Option<(H, H)> {
    if m == n {
        if b {
            return Some((*old_root, *old_root));
        }
        let h = proof.pop()?;
        return Some((h, h));
    }
    let k = split(n);
    let sibling = proof.pop()?;
    if m <= k {
        let (old, new) = subproof(m, k, b, proof, old_root)?;
        Some((old, node(&new, &sibling)))
    } else {
        let (old, new) = subproof(m - k, n - k, false, proof, old_root)?;
        Some((node(&sibling, &old), node(&sibling, &new)))
    }
}

pub fn verify_consistency(m: u64, n: u64, old_root: &H, new_root: &H, proof: &[H]) -> bool {
    if m == 0 || m > n {
        return false;
    }
    if m == n {
        return proof.is_empty() && old_root == new_root;
    }
    let mut stack = proof.to_vec();
    match subproof(m, n, true, &mut stack, old_root) {
        Some((old, new)) => stack.is_empty() && &old == old_root && &new == new_root,
        None => false,
    }
}

pub fn hex32(s: &str) -> H {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).expect("hex");
    out
}
