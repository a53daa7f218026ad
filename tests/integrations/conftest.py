from tests.emulators.fixtures import black_hole, closed_port, emulator, emulator_server  # noqa: F401
