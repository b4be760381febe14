from verae.cli import app

app()
