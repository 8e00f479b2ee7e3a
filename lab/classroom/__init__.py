"""The classroom: a lecture's scenes with Prev/Next (:mod:`~lab.classroom.lecture`), the room the class follows
(:mod:`~lab.classroom.room`; its state in :mod:`residual_core.rooms`), predict then reveal
(:mod:`~lab.classroom.predict`) and "My lecture" (:mod:`~lab.classroom.builder`).

Imports :mod:`lab.chrome` (share links, notices, navigation, presenter mode) and nothing else of ``lab``; the chrome
never imports the classroom (:func:`lab.page` composes the two).
"""
