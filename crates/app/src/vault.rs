//! Encryption and keyed hashing of ID numbers and phones (PIPL: stored encrypted, looked up by
//! a keyed hash, shown masked).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::{AppError, Result};

/// The keys: one for the AEAD cipher, one for the look-up hash.
#[derive(Clone)]
pub struct Vault {
    cipher: ChaCha20Poly1305,
    hash_key: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(***)")
    }
}

impl Vault {
    /// A vault from 128 hex characters: 32 bytes of cipher key, then 32 of hash key.
    pub fn from_hex(hex_key: &str) -> Result<Vault> {
        let bytes = hex::decode(hex_key.trim())
            .map_err(|_| AppError::Internal("secret key is not hex".into()))?;
        if bytes.len() != 64 {
            return Err(AppError::Internal(
                "secret key must be 64 bytes (128 hex characters)".into(),
            ));
        }
        let mut hash_key = [0u8; 32];
        hash_key.copy_from_slice(&bytes[32..]);
        Ok(Vault {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes[..32])),
            hash_key,
        })
    }

    /// A fresh random key in hex, for a new installation.
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 64];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    /// Loads the key from `path`, writing a new one there first if the file does not exist.
    pub fn load_or_create(path: &std::path::Path) -> Result<Vault> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    AppError::Internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            std::fs::write(path, Vault::generate_hex())
                .map_err(|e| AppError::Internal(format!("cannot write {}: {e}", path.display())))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| AppError::Internal(format!("cannot read {}: {e}", path.display())))?;
        Vault::from_hex(&text)
    }

    /// Encrypts a value; a random nonce is prepended, the whole base64-encoded.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("ChaCha20-Poly1305 encrypts any buffer shorter than 256 GiB");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// Decrypts what `seal` produced.
    pub fn open(&self, sealed: &str) -> Result<String> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| AppError::Internal("cipher text is not base64".into()))?;
        if bytes.len() < 12 {
            return Err(AppError::Internal("cipher text too short".into()));
        }
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&bytes[..12]), &bytes[12..])
            .map_err(|_| AppError::Internal("cannot decrypt: wrong key?".into()))?;
        String::from_utf8(plain)
            .map_err(|_| AppError::Internal("decrypted value is not UTF-8".into()))
    }

    /// The keyed hash used for exact look-up and duplicate detection.
    pub fn lookup_hash(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key)
            .expect("HMAC takes keys of any length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_with_fresh_nonces() {
        let v = Vault::from_hex(&Vault::generate_hex()).unwrap();
        let a = v.seal("11010519491231002X");
        let b = v.seal("11010519491231002X");
        assert_ne!(a, b, "each seal uses a new nonce");
        assert_eq!(v.open(&a).unwrap(), "11010519491231002X");
        assert!(!a.contains("1101051949"));
    }

    #[test]
    fn lookup_hash_is_keyed() {
        let v1 = Vault::from_hex(&Vault::generate_hex()).unwrap();
        let v2 = Vault::from_hex(&Vault::generate_hex()).unwrap();
        assert_eq!(v1.lookup_hash("x"), v1.lookup_hash("x"));
        assert_ne!(v1.lookup_hash("x"), v2.lookup_hash("x"));
    }

    #[test]
    fn another_key_cannot_open() {
        let v1 = Vault::from_hex(&Vault::generate_hex()).unwrap();
        let v2 = Vault::from_hex(&Vault::generate_hex()).unwrap();
        assert!(v2.open(&v1.seal("13812345678")).is_err());
    }
}
