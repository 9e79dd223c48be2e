//! Signed, expiring links to finished exports (`outputUrl`): a browser can fetch the file
//! without the bearer header, for a while. The signature is an HMAC-SHA256 of the user, the
//! export id and the expiry, under a key kept in the data folder (made once, readable only by
//! the server's user), or in the database when that is shared by several servers (Postgres),
//! so a link one made works at all.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    /// A signer with `key` (at least 32 bytes; see [`Signer::new_key`]).
    pub fn with_key(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// A new random key.
    pub fn new_key() -> String {
        crate::tokens::random_hex(32)
    }

    /// The key in `path`, made when there is none.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Ok(key) = std::fs::read(path) {
            if key.len() >= 32 {
                return Ok(Self { key });
            }
        }
        let key = Self::new_key().into_bytes();
        let partial = path.with_extension("part");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?;
        file.write_all(&key)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok(Self { key })
    }

    fn mac(&self, user_id: &str, id: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any size");
        mac.update(format!("{user_id}\n{id}\n{expires}").as_bytes());
        mac
    }

    /// The signature of a link to export `id` of `user_id` that works until `expires` (epoch
    /// seconds).
    pub fn sign(&self, user_id: &str, id: &str, expires: i64) -> String {
        crate::tokens::hex(&self.mac(user_id, id, expires).finalize().into_bytes())
    }

    /// Whether `signature` is this key's for these values and `expires` has not passed.
    pub fn verify(&self, user_id: &str, id: &str, expires: i64, signature: &str, now: i64) -> bool {
        if expires < now || signature.len() != 64 {
            return false;
        }
        let Some(bytes) = (0..32)
            .map(|i| u8::from_str_radix(signature.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
        else {
            return false;
        };
        // Constant time: the comparison tells nothing about how much of it matched.
        self.mac(user_id, id, expires).verify_slice(&bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_until_it_expires_and_only_for_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::open(&dir.path().join("secret.key")).unwrap();
        let signature = signer.sign("u_1", "render_1", 1_000);
        assert!(signer.verify("u_1", "render_1", 1_000, &signature, 999));
        assert!(
            !signer.verify("u_1", "render_1", 1_000, &signature, 1_001),
            "expired"
        );
        assert!(
            !signer.verify("u_2", "render_1", 1_000, &signature, 999),
            "other user"
        );
        assert!(
            !signer.verify("u_1", "render_2", 1_000, &signature, 999),
            "other export"
        );
        assert!(
            !signer.verify("u_1", "render_1", 2_000, &signature, 999),
            "longer life"
        );
        assert!(!signer.verify("u_1", "render_1", 1_000, "zz", 999));
        let again = Signer::open(&dir.path().join("secret.key")).unwrap();
        assert!(
            again.verify("u_1", "render_1", 1_000, &signature, 999),
            "key kept"
        );
    }
}
