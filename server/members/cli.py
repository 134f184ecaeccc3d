"""`flask --app server roster import FILE`: load a township's roster."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.errors import AppError
from server.members import roster

roster_cli = AppGroup("roster", help="The roster (台账) of mobile members.")


@roster_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Import a CSV or XLSX roster; any bad row means nothing is imported."""
    try:
        rows = roster.validate(roster.read_file(path))
        with click.progressbar(length=len(rows), label="导入名册", file=sys.stderr) as bar:
            result = roster.import_roster(rows, source=path, progress=bar.update)
    except roster.RosterInvalid as err:
        click.echo(f"导入失败，未导入任何数据。共 {len(err.problems)} 处问题：", err=True)
        for problem in err.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    except AppError as err:  # an XLSX past the inflated-size caps (413) or the row cap (422)
        click.echo(f"导入失败，未导入任何数据：{err.message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"导入完成：共 {len(rows)} 行，新建 {result.created} 人，更新 {result.updated} 人，"
               f"未变 {result.unchanged} 人；新建乡镇 {result.new_townships} 个、支部 {result.new_branches} 个。")
    click.echo("涉及乡镇 id：" + ", ".join(map(str, result.township_ids)))
    click.echo("涉及支部 id：" + ", ".join(map(str, result.branch_ids)))
