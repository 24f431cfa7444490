//! Merkle tree hashes, inclusion proofs and consistency proofs as defined in RFC 9162
//! (Certificate Transparency v2), section 2.1, over SHA-256.
//!
//! Leaves are the 32-byte entry hashes. `MerkleTree` keeps every level of the perfect
//! subtrees so that any subtree hash, root, or proof costs O(log² n) hashes after one O(n)
//! build: `ledger verify` checks many checkpoints against one tree.

use sha2::{Digest, Sha256};

use super::hash::Hash;

/// Hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of an empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Largest power of two strictly smaller than `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A Merkle tree over a list of leaf hashes, with all perfect-subtree levels kept.
#[derive(Debug, Default, Clone)]
pub struct MerkleTree {
    /// `levels[0]` are leaf hashes; `levels[k][i]` is the hash of leaves `[i·2ᵏ, (i+1)·2ᵏ)`.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new()],
        }
    }

    /// Appends a leaf (its data is hashed with the leaf prefix).
    pub fn push(&mut self, leaf_data: &[u8]) {
        let mut h = leaf_hash(leaf_data);
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(h);
            let n = self.levels[level].len();
            if n % 2 == 1 {
                break;
            }
            h = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            level += 1;
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// True when there are no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `MTH(D[start : start+size])`, for `size ≥ 1` and `start + size ≤ len`.
    fn subtree(&self, start: u64, size: u64) -> Hash {
        if size.is_power_of_two() && start.is_multiple_of(size) {
            let level = size.trailing_zeros() as usize;
            // Invariant: a perfect, aligned subtree inside the tree has been completed by
            // `push`, so its hash is stored at this level and index.
            return self.levels[level][(start / size) as usize];
        }
        let k = split_point(size);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, size - k))
    }

    /// The root of the first `size` leaves (`size ≤ len`); `None` if out of range.
    pub fn root(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            s if s <= self.len() => Some(self.subtree(0, s)),
            _ => None,
        }
    }

    /// Inclusion proof (audit path) of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.len() {
            return None;
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof);
        Some(proof)
    }

    /// RFC 9162 PATH(m, D[start:start+n]), appending bottom-up.
    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// Consistency proof between the trees of the first `old` and first `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old == 0 || old > new || new > self.len() {
            return None;
        }
        let mut proof = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Some(proof)
    }

    /// RFC 9162 SUBPROOF(m, D[start:start+n], b).
    fn subproof(&self, m: u64, start: u64, n: u64, b: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !b {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, k, b, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_index: u64,
    tree_size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if leaf_index >= tree_size {
        return false;
    }
    let (mut f_n, mut s_n) = (leaf_index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let Some((first_hash, rest)) = path.split_first() else {
        return false;
    };
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first_hash, *first_hash);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *first_root && sr == *second_root && s_n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recursive definition, straight from the RFC, for comparison.
    fn mth(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn tree(n: usize) -> (MerkleTree, Vec<Vec<u8>>) {
        let leaves: Vec<Vec<u8>> = (0..n).map(|i| format!("leaf {i}").into_bytes()).collect();
        let mut t = MerkleTree::new();
        for l in &leaves {
            t.push(l);
        }
        (t, leaves)
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        let (t, leaves) = tree(37);
        for n in 0..=37 {
            assert_eq!(t.root(n as u64), Some(mth(&leaves[..n])), "size {n}");
        }
        assert_eq!(t.root(38), None);
    }

    #[test]
    fn proofs_verify_and_tampered_proofs_fail() {
        let (t, leaves) = tree(23);
        for n in 1..=23u64 {
            let root = t.root(n).unwrap();
            for m in 0..n {
                let p = t.inclusion_proof(m, n).unwrap();
                let leaf = leaf_hash(&leaves[m as usize]);
                assert!(verify_inclusion(m, n, &leaf, &p, &root), "incl {m} {n}");
                assert!(!verify_inclusion(m, n, &leaf_hash(b"x"), &p, &root));
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).unwrap();
                let old = t.root(m).unwrap();
                assert!(verify_consistency(m, n, &old, &root, &p), "cons {m} {n}");
                if m < n {
                    assert!(!verify_consistency(m, n, &leaf_hash(b"forged"), &root, &p));
                }
            }
        }
    }
}
