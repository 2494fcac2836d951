/*
 * config_api.c: reading and removing a key of a repository's config, and
 * a key's default, through the key table of config.c, over the public
 * config calls.
 */
#include <stddef.h>

#include "cairn.h"
#include "config.h"
#include "repo_int.h"

const struct cairn_error *
cairn_repo_config_get(struct cairn_repo *repo, const char *key,
    const char **value)
{
	const struct cairn_error *err;

	*value = NULL;
	if ((err = cairn_config_key_check(key)) != NULL)
		return err;
	if ((*value = cairn_repo_cfg_value(repo, key)) == NULL)
		return cairn_error_new(CAIRN_ERR_NOT_FOUND,
		    "config key '%s' is not set", key);
	return NULL;
}

const struct cairn_error *
cairn_repo_config_unset(struct cairn_repo *repo, const char *key)
{
	/* cairn_config_set decides, under the lock, on the file as it is. */
	return cairn_repo_config_set(repo, key, NULL);
}

const char *
cairn_config_default(const char *key)
{
	const struct cairn_config_key *k = cairn_config_key_find(key);

	return k != NULL ? k->dflt : NULL;
}
