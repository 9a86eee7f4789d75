-- The inode's change time (st_ctime_ns) of each version seen: a file whose path, mtime, size and ctime are
-- those of a version already seen is that version, and is not read again (jaring.sources.rt_inbox).
-- Nothing but the kernel sets a ctime, and any write or replacement moves it, even one that puts the
-- mtime back. NULL: seen before this column existed; such a file is read once more.
ALTER TABLE raw.rt_file_version ADD COLUMN IF NOT EXISTS ctime_ns bigint;
