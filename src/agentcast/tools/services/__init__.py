"""Built-in services, one module per family. Import the module you need; heavy or optional
dependencies load only when a service runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcast._lazy import lazy_exports

if TYPE_CHECKING:
    from agentcast.tools.services.code import default_sandbox as default_sandbox
    from agentcast.tools.services.code import execute_python_code as execute_python_code
    from agentcast.tools.services.code import execute_shell_command as execute_shell_command
    from agentcast.tools.services.files import add_file_tools as add_file_tools
    from agentcast.tools.services.files import create_directory as create_directory
    from agentcast.tools.services.files import create_file as create_file
    from agentcast.tools.services.files import delete_file as delete_file
    from agentcast.tools.services.files import list_directory as list_directory
    from agentcast.tools.services.files import move_file as move_file
    from agentcast.tools.services.files import read_json_file as read_json_file
    from agentcast.tools.services.files import read_text_file as read_text_file
    from agentcast.tools.services.files import resolve_in_workspace as resolve_in_workspace
    from agentcast.tools.services.files import workspace_parts as workspace_parts
    from agentcast.tools.services.files import write_json_file as write_json_file
    from agentcast.tools.services.files import write_text_file as write_text_file
    from agentcast.tools.services.knowledge import arxiv_search as arxiv_search
    from agentcast.tools.services.knowledge import wikipedia_page as wikipedia_page
    from agentcast.tools.services.knowledge import wikipedia_search as wikipedia_search
    from agentcast.tools.services.retrieval import EmbeddingModel as EmbeddingModel
    from agentcast.tools.services.retrieval import cosine as cosine
    from agentcast.tools.services.retrieval import retrieve_from_list as retrieve_from_list
    from agentcast.tools.services.sql import connect_sqlite as connect_sqlite
    from agentcast.tools.services.sql import query_sql as query_sql
    from agentcast.tools.services.sql import query_sqlite as query_sqlite
    from agentcast.tools.services.text import summarize as summarize
    from agentcast.tools.services.web import default_run_dir as default_run_dir
    from agentcast.tools.services.web import download_file as download_file
    from agentcast.tools.services.web import fetch_webpage as fetch_webpage
    from agentcast.tools.services.web import html_to_text as html_to_text
    from agentcast.tools.services.web_search import bing_search as bing_search
    from agentcast.tools.services.web_search import google_search as google_search
    from agentcast.tools.services.web_search import searxng_search as searxng_search
    from agentcast.tools.services.web_search import tavily_search as tavily_search

# public name -> module that defines it (one line each; keep the three lists in step)
_EXPORTS: dict[str, str] = {
    "EmbeddingModel": "agentcast.tools.services.retrieval",
    "add_file_tools": "agentcast.tools.services.files",
    "arxiv_search": "agentcast.tools.services.knowledge",
    "bing_search": "agentcast.tools.services.web_search",
    "connect_sqlite": "agentcast.tools.services.sql",
    "cosine": "agentcast.tools.services.retrieval",
    "create_directory": "agentcast.tools.services.files",
    "create_file": "agentcast.tools.services.files",
    "default_run_dir": "agentcast.tools.services.web",
    "default_sandbox": "agentcast.tools.services.code",
    "delete_file": "agentcast.tools.services.files",
    "download_file": "agentcast.tools.services.web",
    "execute_python_code": "agentcast.tools.services.code",
    "execute_shell_command": "agentcast.tools.services.code",
    "fetch_webpage": "agentcast.tools.services.web",
    "google_search": "agentcast.tools.services.web_search",
    "html_to_text": "agentcast.tools.services.web",
    "list_directory": "agentcast.tools.services.files",
    "move_file": "agentcast.tools.services.files",
    "query_sql": "agentcast.tools.services.sql",
    "query_sqlite": "agentcast.tools.services.sql",
    "read_json_file": "agentcast.tools.services.files",
    "read_text_file": "agentcast.tools.services.files",
    "resolve_in_workspace": "agentcast.tools.services.files",
    "retrieve_from_list": "agentcast.tools.services.retrieval",
    "searxng_search": "agentcast.tools.services.web_search",
    "summarize": "agentcast.tools.services.text",
    "tavily_search": "agentcast.tools.services.web_search",
    "wikipedia_page": "agentcast.tools.services.knowledge",
    "wikipedia_search": "agentcast.tools.services.knowledge",
    "write_json_file": "agentcast.tools.services.files",
    "write_text_file": "agentcast.tools.services.files",
    "workspace_parts": "agentcast.tools.services.files",
}

__all__ = [
    "EmbeddingModel",
    "add_file_tools",
    "arxiv_search",
    "bing_search",
    "connect_sqlite",
    "cosine",
    "create_directory",
    "create_file",
    "default_run_dir",
    "default_sandbox",
    "delete_file",
    "download_file",
    "execute_python_code",
    "execute_shell_command",
    "fetch_webpage",
    "google_search",
    "html_to_text",
    "list_directory",
    "move_file",
    "query_sql",
    "query_sqlite",
    "read_json_file",
    "read_text_file",
    "resolve_in_workspace",
    "retrieve_from_list",
    "searxng_search",
    "summarize",
    "tavily_search",
    "wikipedia_page",
    "wikipedia_search",
    "workspace_parts",
    "write_json_file",
    "write_text_file",
]

__getattr__, __dir__ = lazy_exports("agentcast.tools.services", globals(), _EXPORTS)
