/*
 * graph.h: what the files of the graph layer share (trees, checkout,
 * commits and history, each in its own file of store/graph/, over the
 * public API alone).
 */
#ifndef CAIRN_GRAPH_H
#define CAIRN_GRAPH_H

#include <stddef.h>

#include "cairn.h"

/* Trees nest at most this deep, in a put, a walk or a checkout. */
#define TREE_DEPTH_MAX 512

/*
 * cairn_graph_get_typed(repo, id, want, data, len):
 * cairn_object_get of an object that must be of type want (CAIRN_ERR_INVALID,
 * with nothing to free, if it is another).
 */
const struct cairn_error *cairn_graph_get_typed(struct cairn_repo *repo,
    const struct cairn_oid *id, enum cairn_otype want, unsigned char **data,
    size_t *len);

/*
 * cairn_graph_expect_type(repo, id, want):
 * NULL if id is in the repository as an object of type want, else the
 * error (CAIRN_ERR_NOT_FOUND, CAIRN_ERR_INVALID).
 */
const struct cairn_error *cairn_graph_expect_type(struct cairn_repo *repo,
    const struct cairn_oid *id, enum cairn_otype want);

#endif
