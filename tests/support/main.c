/*
 * main.c: main of the test build of cairn: installs the hooks the
 * environment asks for (hooks.h), then runs the command line as the
 * shipped cairn does, with cmd/main.c built with its main renamed
 * cairn_cli_main.
 */
#include "hooks.h"

int cairn_cli_main(int argc, char **argv);

int
main(int argc, char **argv)
{
	cairn_test_hooks_install();
	return cairn_cli_main(argc, argv);
}
