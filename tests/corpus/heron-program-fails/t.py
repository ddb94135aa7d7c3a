import sys
sys.stderr.write("Traceback: boom\n")
sys.exit(3)
