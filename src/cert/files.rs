//! Writing the three files all or nothing: each goes to a temporary file in the target directory
//! first (created before the slow key generation, so an unusable directory fails at once) and is
//! moved into place only when all three are complete. Whatever fails, the directory is left as
//! it was: temporary files removed, files already moved taken back, replaced files restored,
//! directories this call created removed again.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::error::Error;

/// One file of the set.
pub struct Target {
    pub path: PathBuf,
    /// Readable by the owner only (the private key and the PFX).
    pub private: bool,
}

/// Files being written; dropping it without [`Staged::commit`] undoes everything.
pub struct Staged {
    targets: Vec<(Target, PathBuf, Option<File>)>,
    created_dirs: Vec<PathBuf>,
    committed: bool,
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    // Uniqueness against other writers comes from `create_new`; the suffix only makes a
    // collision (and a retry) unlikely, so a clock fallback is good enough.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        bytes[..4].copy_from_slice(&nanos.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hidden sibling of `path` that nobody else would choose.
fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{tag}", random_suffix()))
}

fn create_file(path: &Path, private: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        // The mode is given at creation, so the key is never readable by others, not even
        // for the moment a chmod afterwards would leave open.
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path)
}

/// Directories from `dir` up that do not exist yet, the outermost last.
fn missing_dirs(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
        .map(Path::to_path_buf)
        .collect()
}

/// Creates `dir` and its missing parents (`created`, as [`missing_dirs`] found them). They
/// will hold a private key: each one this call creates is made 0700, whatever the umask (a
/// umask of 000 would otherwise leave them 0777).
fn create_private_dirs(dir: &Path, created: &[PathBuf]) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        for d in created {
            fs::set_permissions(d, fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(not(unix))]
    {
        let _ = created;
        builder.create(dir)?;
    }
    Ok(())
}

/// How old a temporary file of ours must be to count as left behind by a killed process: far
/// longer than any key generation takes, so that a concurrent MakeCert's files are never taken.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether `name` is one of our temporaries for `target`: `.<target>.<12 hex digits>.tmp`.
fn is_our_temporary(name: &str, target: &str) -> bool {
    let Some(rest) = name
        .strip_prefix('.')
        .and_then(|n| n.strip_prefix(target))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(".tmp"))
    else {
        return false;
    };
    rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Removes temporaries a killed MakeCert left behind (empty hidden `.tmp` files named after
/// these targets, older than [`STALE_AFTER`]). Best effort: a file that cannot be removed stays.
fn remove_stale_temporaries(dir: &Path, targets: &[Target]) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let names: Vec<String> = targets
        .iter()
        .filter_map(|t| t.path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !names.iter().any(|t| is_our_temporary(&name, t)) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if meta.is_file() && old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Refuses to go on when a target exists and may not be replaced: cheap, and before the key.
pub fn ensure_free(targets: &[Target]) -> Result<(), Error> {
    for target in targets {
        if fs::symlink_metadata(&target.path).is_ok() {
            return Err(Error::FileExists {
                path: target.path.clone(),
            });
        }
    }
    Ok(())
}

/// Creates `dir` if needed and an empty temporary file for every target.
pub fn stage(dir: &Path, targets: Vec<Target>) -> Result<Staged, Error> {
    let created_dirs = missing_dirs(dir);
    let mut staged = Staged {
        targets: Vec::with_capacity(targets.len()),
        created_dirs,
        committed: false,
    };
    create_private_dirs(dir, &staged.created_dirs).map_err(|source| Error::CreateDirectory {
        path: dir.to_path_buf(),
        source,
    })?;
    if !dir.is_dir() {
        return Err(Error::CreateDirectory {
            path: dir.to_path_buf(),
            source: io::Error::from(io::ErrorKind::NotADirectory),
        });
    }
    for target in &targets {
        // `overwrite` replaces files; a directory in the way is surely not what was meant.
        if fs::symlink_metadata(&target.path).is_ok_and(|m| m.is_dir()) {
            return Err(Error::WriteFile {
                path: target.path.clone(),
                source: io::Error::from(io::ErrorKind::IsADirectory),
            });
        }
    }
    remove_stale_temporaries(dir, &targets);
    for target in targets {
        let temp = sibling(&target.path, "tmp");
        let file = create_file(&temp, target.private).map_err(|source| Error::WriteFile {
            path: target.path.clone(),
            source,
        })?;
        staged.targets.push((target, temp, Some(file)));
    }
    Ok(staged)
}

impl Staged {
    /// Fills the temporary files (in the order of the targets) and moves them into place.
    pub fn commit(mut self, contents: &[&[u8]], overwrite: bool) -> Result<(), Error> {
        for ((target, _, file), bytes) in self.targets.iter_mut().zip(contents) {
            let write_error = |source| Error::WriteFile {
                path: target.path.clone(),
                source,
            };
            let mut handle = file
                .take()
                .ok_or_else(|| write_error(io::Error::other("temporary file already closed")))?;
            handle.write_all(bytes).map_err(write_error)?;
            // On disk before the rename, or a crash could leave a complete-looking empty file.
            handle.sync_all().map_err(write_error)?;
        }
        let mut moved: Vec<usize> = Vec::new();
        let mut backups: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = self.move_into_place(overwrite, &mut moved, &mut backups);
        match result {
            Ok(()) => {
                for (_, backup) in &backups {
                    let _ = fs::remove_file(backup);
                }
                self.committed = true;
                sync_dir(self.dir());
                Ok(())
            }
            Err(err) => {
                for &i in moved.iter().rev() {
                    let _ = fs::remove_file(&self.targets[i].0.path);
                }
                for (original, backup) in backups.iter().rev() {
                    let _ = fs::rename(backup, original);
                }
                Err(err)
            }
        }
    }

    fn dir(&self) -> Option<&Path> {
        self.targets.first().and_then(|(t, _, _)| t.path.parent())
    }

    fn move_into_place(
        &self,
        overwrite: bool,
        moved: &mut Vec<usize>,
        backups: &mut Vec<(PathBuf, PathBuf)>,
    ) -> Result<(), Error> {
        for (i, (target, temp, _)) in self.targets.iter().enumerate() {
            let write_error = |source| Error::WriteFile {
                path: target.path.clone(),
                source,
            };
            if overwrite {
                // The old file is set aside rather than replaced, so a failure on a later file
                // can put the old set back.
                if fs::symlink_metadata(&target.path).is_ok() {
                    let backup = sibling(&target.path, "old");
                    fs::rename(&target.path, &backup).map_err(write_error)?;
                    backups.push((target.path.clone(), backup));
                }
                fs::rename(temp, &target.path).map_err(write_error)?;
            } else {
                place_new(temp, &target.path)?;
            }
            moved.push(i);
        }
        Ok(())
    }
}

/// Moves `temp` to `path` unless `path` exists. A hard link fails atomically when the name is
/// taken (a plain rename would replace it); file systems without hard links (FAT, some shares)
/// get a check and a rename.
fn place_new(temp: &Path, path: &Path) -> Result<(), Error> {
    match fs::hard_link(temp, path) {
        Ok(()) => {
            let _ = fs::remove_file(temp);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::FileExists {
            path: path.to_path_buf(),
        }),
        Err(_) => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(Error::FileExists {
                    path: path.to_path_buf(),
                });
            }
            fs::rename(temp, path).map_err(|source| Error::WriteFile {
                path: path.to_path_buf(),
                source,
            })
        }
    }
}

/// Makes the renames themselves durable where the OS allows syncing a directory.
fn sync_dir(dir: Option<&Path>) {
    #[cfg(unix)]
    if let Some(dir) = dir {
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (_, temp, file) in &mut self.targets {
            file.take();
            let _ = fs::remove_file(temp);
        }
        if !self.committed {
            // Innermost first; remove_dir leaves a directory alone if someone put a file in it.
            for dir in &self.created_dirs {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(dir: &Path) -> Vec<Target> {
        ["a.key", "a.pem", "a.pfx"]
            .into_iter()
            .map(|name| Target {
                path: dir.join(name),
                private: name != "a.pem",
            })
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const NEW: [&[u8]; 3] = [b"key", b"pem", b"pfx"];

    #[test]
    fn all_three_or_none_when_a_name_is_taken_meanwhile() {
        let tmp = tempfile::tempdir().unwrap();
        let staged = stage(tmp.path(), targets(tmp.path())).unwrap();
        // Another process takes the second name between the check and the move.
        fs::write(tmp.path().join("a.pem"), b"theirs").unwrap();
        match staged.commit(&NEW, false) {
            Err(Error::FileExists { path }) => assert_eq!(path, tmp.path().join("a.pem")),
            other => panic!("{:?}", other.err()),
        }
        assert_eq!(listing(tmp.path()), ["a.pem"]);
        assert_eq!(fs::read(tmp.path().join("a.pem")).unwrap(), b"theirs");
    }

    #[test]
    fn a_failed_overwrite_puts_the_old_set_back() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, old) in [
            ("a.key", "old key"),
            ("a.pem", "old pem"),
            ("a.pfx", "old pfx"),
        ] {
            fs::write(tmp.path().join(name), old).unwrap();
        }
        let staged = stage(tmp.path(), targets(tmp.path())).unwrap();
        // The last temporary file vanishes, so its move fails after the first two succeeded.
        fs::remove_file(&staged.targets[2].1).unwrap();
        assert!(matches!(
            staged.commit(&NEW, true),
            Err(Error::WriteFile { .. })
        ));
        assert_eq!(listing(tmp.path()), ["a.key", "a.pem", "a.pfx"]);
        assert_eq!(fs::read(tmp.path().join("a.key")).unwrap(), b"old key");
        assert_eq!(fs::read(tmp.path().join("a.pfx")).unwrap(), b"old pfx");
    }

    #[test]
    fn directories_made_for_a_failed_call_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("новый каталог").join("ssl");
        let staged = stage(&dir, targets(&dir)).unwrap();
        assert!(dir.is_dir());
        drop(staged);
        assert!(listing(tmp.path()).is_empty());
    }

    #[test]
    fn overwrite_replaces_files_and_never_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a.key"), "old").unwrap();
        stage(tmp.path(), targets(tmp.path()))
            .unwrap()
            .commit(&NEW, true)
            .unwrap();
        assert_eq!(listing(tmp.path()), ["a.key", "a.pem", "a.pfx"]);
        assert_eq!(fs::read(tmp.path().join("a.key")).unwrap(), b"key");

        fs::remove_file(tmp.path().join("a.pfx")).unwrap();
        fs::create_dir(tmp.path().join("a.pfx")).unwrap();
        assert!(matches!(
            stage(tmp.path(), targets(tmp.path())),
            Err(Error::WriteFile { .. })
        ));
        assert_eq!(listing(tmp.path()), ["a.key", "a.pem", "a.pfx"]);
    }

    #[test]
    fn stale_temporaries_of_a_killed_run_are_removed_and_fresh_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = tmp.path().join(".a.key.0123456789ab.tmp");
        let fresh = tmp.path().join(".a.pem.ba9876543210.tmp");
        let theirs = tmp.path().join(".b.key.0123456789ab.tmp");
        for p in [&stale, &fresh, &theirs] {
            fs::write(p, b"").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for p in [&stale, &theirs] {
            File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
        let staged = stage(tmp.path(), targets(tmp.path())).unwrap();
        drop(staged);
        assert_eq!(
            listing(tmp.path()),
            [".a.pem.ba9876543210.tmp", ".b.key.0123456789ab.tmp"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn created_directories_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("one").join("two");
        let staged = stage(&dir, targets(&dir)).unwrap();
        for d in [tmp.path().join("one"), dir.clone()] {
            let mode = fs::metadata(&d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
        drop(staged);
    }
}
