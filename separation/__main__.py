import sys

from separation.cli import main

sys.exit(main())
