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
    fs::create_dir_all(dir).map_err(|source| Error::CreateDirectory {
        path: dir.to_path_buf(),
        source,
    })?;
    if !dir.is_dir() {
        return Err(Error::CreateDirectory {
            path: dir.to_path_buf(),
            source: io::Error::from(io::ErrorKind::NotADirectory),
        });
    }
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
