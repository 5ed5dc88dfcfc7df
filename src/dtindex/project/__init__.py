"""New index projects: ``dtindex init`` scaffolds and the Excel templates users fill in."""

from .scaffold import Project, example_framework, init_project
from .templates import write_ahp_template, write_data_template, write_expert_template

__all__ = ["Project", "example_framework", "init_project", "write_ahp_template", "write_data_template",
           "write_expert_template"]
