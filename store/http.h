/*
 * http.h: a read-only I/O layer over HTTP, so that a repository a plain
 * static web server serves (no cairn on the server) is read as if it
 * were a local one (DESIGN.md section 10).
 *
 * Paths are URLs (http:// or https://): the repository's URL, a '/' and
 * the file's name, as disk.c builds them.  What the layer does:
 *
 *   open       GET of the first FIRST bytes (a range request).  206: the
 *              file's size is Content-Range's total (a file no larger is
 *              kept whole, so one request reads it); 200: the server
 *              ignores ranges: a body of at most FIRST bytes is the file;
 *              a longer one is cut off there, and the file is fetched
 *              whole at its first read, no longer than its Content-Length
 *              said (none: EIO), kept in memory or, past SPOOL bytes, in
 *              an unlinked file in $TMPDIR (in memory if that fails);
 *              404 or 410: ENOENT; 401 or 403: EACCES; any other status
 *              EIO.  Redirects are followed (5 at most, http and https
 *              only).  O_DIRECTORY costs no request.  Anything that could
 *              write is EROFS.
 *   pread      from the whole file, or by range requests of whole blocks
 *              (BLOCK bytes, several in one request when consecutive)
 *              through a small cache.  A response whose range or length
 *              is not the one asked for is EIO: a truncated or lying
 *              response never reaches the caller as data.
 *   fstat      the size seen at open (a regular file, mode 0444), or a
 *              directory.
 *   mmap       a copy in memory (munmap frees it).
 *   openat,
 *   fstatat    relative to a directory opened here; each byte of the name
 *              outside [A-Za-z0-9-._~/] is percent-encoded.
 *   flock      succeeds and does nothing: readers take no lock.
 *   anything that writes: -1 and EROFS.
 *
 * No body is read past what was asked for or what its Content-Range
 * says.  A server sending less than 1 KiB a second for a minute is given
 * up on (ETIMEDOUT).  Statuses 500-599 are EREMOTEIO, TLS failures
 * EPROTO.
 *
 * Credentials come from the URL or from ~/.netrc (better: messages name
 * the URL).  Descriptors are numbers of this layer only, never the
 * kernel's.  One layer may be used from several threads; a mutex
 * serialises requests.
 */
#ifndef CAIRN_HTTP_H
#define CAIRN_HTTP_H

#include "error.h"
#include "vfs.h"

/* Is path an http:// or https:// URL? */
int cairn_http_url(const char *path);

/* A new layer (free it with cairn_vfs_http_free once nothing uses it). */
const struct cairn_error *cairn_vfs_http_new(struct cairn_vfs **out);
void cairn_vfs_http_free(struct cairn_vfs *vfs);

#endif
