import sys

from layerviz.cli import main

sys.exit(main())
