import sys

from tinyclr.cli import main

sys.exit(main())
