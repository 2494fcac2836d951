/*
 * refname.h: ref name rules.
 *
 * git's check-ref-format rules, except that one-level names are allowed,
 * plus a bound on component length.  A name is rejected if it is empty;
 * starts or ends with '/' or contains "//"; has a component that starts
 * with '.', ends with ".lock", or is longer than 255 bytes; contains "..",
 * "@{", a control character (below 0x20, or 0x7f), a space, or one of
 * ~ ^ : ? * [ \; is exactly "@"; or ends with '.'.  Names are checked
 * before any path is built from them, so a valid name can never leave the
 * refs directory.
 */
#ifndef CAIRN_REFNAME_H
#define CAIRN_REFNAME_H

#include <stddef.h>

#include "error.h"

#define CAIRN_REFNAME_COMPONENT_MAX 255
#define CAIRN_REFNAME_MAX 4096

/* NULL if name (len bytes, no NUL inside) is valid; else CAIRN_ERR_INVALID. */
const struct cairn_error *cairn_refname_check(const char *name, size_t len);

/*
 * cairn_refname_check without the length bounds: git's rules alone, for
 * names that are never made into paths (a tag object's name).
 */
const struct cairn_error *cairn_refname_check_git(const char *name,
    size_t len);

#endif
