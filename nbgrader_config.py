"""nbgrader configuration for the course (read by every `nbgrader` command run here).

Instructor notebooks live in `solutions/<chapter>/`, the student versions that
`course build` generates from them in `notebooks/<chapter>/`: one nbgrader
assignment per chapter.
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "deep-learning-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Training cells take longer than nbgrader's 30 s default, even in fast mode. (`course grade`
# sets its own time per cell, `--cell-timeout`; it reads startup_timeout from here.)
c.Execute.timeout = 600
c.Execute.startup_timeout = 120

# Keep notebooks' own files (data, images) out of releases unless listed; the course tools
# leave the same files out whenever they copy or hash a chapter or a submission.
# wrong_answers.py lists each chapter's classic mistakes for `course check`: instructor-only.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*.db",
    "wrong_answers.py",
]
